// 0004_secrets on a database of the release before it (issue 20): on SQLite, a database file that release's code
// wrote (fixtures/release-0003, made by fixtures/makeReleaseDatabase.ts at that commit); on PostgreSQL, a schema
// migrated only as far as that release's migrations and filled by the same code. Each opens under today's broker
// with its user, API key, connection and tokens intact, and takes secrets.
import { randomUUID } from "node:crypto";
import { chmod, copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import { Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  createApiKey,
  createUser,
  type FerryDb,
  loadConfig,
  MasterKey,
  migrateToLatest,
  openDatabase,
  parseMasterKeys,
  rotateVault,
  startBroker,
  Vault,
  verifyApiKey,
} from "../src/index.ts";
import { migrations } from "../src/migrations/index.ts";
import { createTestDatabase } from "./helpers.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/release-0003/", import.meta.url));
const RELEASE_MIGRATIONS = ["0001_initial", "0002_device_polling", "0003_flow_binding"];

interface Facts {
  userId: string;
  userName: string;
  apiKey: string;
  apiKeyId: string;
  connectionId: string;
  refreshToken: string;
  accessToken: string;
  accountEmail: string;
}

async function appliedMigrations(db: FerryDb): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    db.kysely,
  );
  return rows.map((r) => r.name);
}

/** What a database of the release must still hold after today's migrations ran on it. */
async function expectReleaseDataIntact(db: FerryDb, key: MasterKey, facts: Facts): Promise<void> {
  const verified = await verifyApiKey(db, facts.apiKey);
  expect(verified?.user.name).toBe(facts.userName);
  expect(verified?.apiKey.id).toBe(facts.apiKeyId);
  const row = await db.kysely
    .selectFrom("connections")
    .selectAll()
    .where("id", "=", facts.connectionId)
    .executeTakeFirstOrThrow();
  const vault = new Vault([key]);
  const field = (column: "refresh_token_enc" | "access_token_enc") =>
    ({ table: "connections", rowId: row.id, column }) as const;
  expect(vault.decrypt(row.refresh_token_enc!, field("refresh_token_enc"))).toBe(facts.refreshToken);
  expect(vault.decrypt(row.access_token_enc!, field("access_token_enc"))).toBe(facts.accessToken);
  expect(row).toMatchObject({
    status: "connected",
    account_email: facts.accountEmail,
    user_id: facts.userId,
  });
}

/** A running broker of today on the migrated database: the old key signs in, the connection shows, secrets work. */
async function expectBrokerServes(
  database: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string },
  home: string,
  key: MasterKey,
  facts: Facts,
): Promise<void> {
  const config = {
    ...loadConfig({
      FERRY_HOME: home,
      FERRY_MASTER_KEY: key.toBase64(),
      FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
      FERRY_MS_AUTHORITY: "http://127.0.0.1:9/unused",
      FERRY_GRAPH_URL: "http://127.0.0.1:9/unused",
      FERRY_PUBLIC_URL: "http://127.0.0.1:7878",
    }),
    database,
  };
  const broker = await startBroker(config, {
    port: 0,
    keepAliveIntervalMs: 0,
    devicePollIntervalMs: 0,
    purgeIntervalMs: 0,
    logger: { level: "silent" },
    webDir: join(tmpdir(), "ferry-no-web"),
  });
  try {
    const bearer = { authorization: `Bearer ${facts.apiKey}` };
    const integrations = await broker.app.inject({
      method: "GET",
      url: "/api/v1/integrations",
      headers: bearer,
    });
    expect(integrations.statusCode).toBe(200);
    expect(integrations.json().integrations[0]).toMatchObject({
      status: "connected",
      account: { email: facts.accountEmail },
    });
    const set = await broker.app.inject({
      method: "PUT",
      url: "/api/v1/secrets/AFTER_UPGRADE",
      headers: { ...bearer, "content-type": "application/json" },
      payload: JSON.stringify({ value: "set-after-upgrade" }),
    });
    expect(set.statusCode, set.body).toBe(200);
    const read = await broker.app.inject({
      method: "GET",
      url: "/api/v1/secrets/AFTER_UPGRADE",
      headers: bearer,
    });
    expect(read.json().value).toBe("set-after-upgrade");
  } finally {
    await broker.close();
  }
}

describe("0004_secrets on a database of the previous release", () => {
  it("SQLite: the file that release wrote opens with every user, key, connection and token intact, and takes secrets", async () => {
    const facts = JSON.parse(await readFile(join(FIXTURE, "facts.json"), "utf8")) as Facts;
    const [key] = parseMasterKeys(await readFile(join(FIXTURE, "master.key"), "utf8"), "fixture master.key");
    const home = await mkdtemp(join(tmpdir(), "ferry-migration-"));
    try {
      const path = join(home, "ferry.db");
      await copyFile(join(FIXTURE, "ferry.db"), path);
      // git keeps no file modes; the broker insists on a private database file.
      await chmod(path, 0o600);
      const db = await openDatabase({ kind: "sqlite", path });
      try {
        expect(await appliedMigrations(db)).toEqual(RELEASE_MIGRATIONS);
        expect(await migrateToLatest(db)).toEqual(["0004_secrets"]);
        expect(await appliedMigrations(db)).toEqual(Object.keys(migrations));
        await expectReleaseDataIntact(db, key!, facts);
      } finally {
        await db.close();
      }
      await expectBrokerServes({ kind: "sqlite", path }, home, key!, facts);
      // Rotation afterwards covers the old tokens and the new secret alike.
      const db2 = await openDatabase({ kind: "sqlite", path });
      try {
        const next = MasterKey.generate();
        const rotated = await rotateVault(db2, [next, key!]);
        expect(rotated.rotated).toBe(3);
        await expectReleaseDataIntact(db2, next, facts);
      } finally {
        await db2.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it("PostgreSQL: a schema at the release's migrations, filled by its code, migrates and keeps everything", async () => {
    // A fresh schema, emptied of what createTestDatabase migrated, then taken to the release's migrations only.
    const t = await createTestDatabase("postgres");
    const home = await mkdtemp(join(tmpdir(), "ferry-migration-"));
    try {
      const db = t.db;
      for (const table of [
        "secrets",
        "credential_epoch",
        "audit_events",
        "connections",
        "oauth_states",
        "sessions",
        "login_links",
        "api_keys",
        "users",
        "kysely_migration",
        "kysely_migration_lock",
      ]) {
        await sql`drop table if exists ${sql.table(table)} cascade`.execute(db.kysely);
      }
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely);
      const release = new Migrator({
        db: db.kysely,
        provider: {
          getMigrations: async () =>
            Object.fromEntries(RELEASE_MIGRATIONS.map((name) => [name, migrations[name]!])),
        },
        migrationTableSchema: rows[0]!.schema,
      });
      const done = await release.migrateToLatest();
      expect(done.error).toBeUndefined();
      expect(await appliedMigrations(db)).toEqual(RELEASE_MIGRATIONS);

      // Filled as makeReleaseDatabase.ts fills the SQLite fixture.
      const key = MasterKey.generate();
      const user = await createUser(db, { name: "ada" });
      const apiKey = await createApiKey(db, { userId: user.id, name: "laptop" });
      const vault = new Vault([key]);
      const connectionId = randomUUID();
      const facts: Facts = {
        userId: user.id,
        userName: "ada",
        apiKey: apiKey.token,
        apiKeyId: apiKey.apiKey.id,
        connectionId,
        refreshToken: `M.C${randomUUID()}-pg-refresh`,
        accessToken: `EwB${randomUUID()}-pg-access`,
        accountEmail: "ada.lovelace@outlook.example",
      };
      const now = Date.now();
      await db.kysely
        .insertInto("connections")
        .values({
          id: connectionId,
          user_id: user.id,
          provider: "onedrive",
          status: "connected",
          account_id: "00000000-0000-0000-aaaa-000000000001",
          account_email: facts.accountEmail,
          account_name: "Ada Lovelace",
          tenant_id: null,
          scopes: "Files.ReadWrite offline_access User.Read",
          refresh_token_enc: vault.encrypt(facts.refreshToken, {
            table: "connections",
            rowId: connectionId,
            column: "refresh_token_enc",
          }),
          access_token_enc: vault.encrypt(facts.accessToken, {
            table: "connections",
            rowId: connectionId,
            column: "access_token_enc",
          }),
          access_expires_at: now + 3_600_000,
          connected_at: now,
          last_refresh_at: now,
          last_used_at: null,
          last_error: null,
          refresh_failures: 0,
          version: 1,
          refresh_lock_owner: null,
          refresh_lock_until: null,
        })
        .execute();

      expect(await migrateToLatest(db)).toEqual(["0004_secrets"]);
      await expectReleaseDataIntact(db, key, facts);
      await expectBrokerServes(t.config as { kind: "postgres"; url: string }, home, key, facts);
    } finally {
      await rm(home, { recursive: true, force: true });
      await t.cleanup();
    }
  });
});
