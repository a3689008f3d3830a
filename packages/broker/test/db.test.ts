import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { isUniqueViolation, migrateToLatest, openDatabase } from "../src/index.ts";
import { DIALECTS, insertConnection, insertUser, rejectionOf, useTestDatabase } from "./helpers.ts";

for (const dialect of DIALECTS) {
  describe(`database on ${dialect}`, () => {
    const t = useTestDatabase(dialect);

    it("migrations are idempotent: a second run applies nothing and keeps the data", async () => {
      const userId = await insertUser(t.db, "kept");
      expect(await migrateToLatest(t.db)).toEqual([]);
      const again = await Promise.all([migrateToLatest(t.db), migrateToLatest(t.db)]);
      expect(again).toEqual([[], []]);
      const user = await t.db.kysely
        .selectFrom("users")
        .selectAll()
        .where("id", "=", userId)
        .executeTakeFirst();
      expect(user?.name).toBe("kept");
    });

    it("returns bigint epoch-ms times and counts as JS numbers", async () => {
      const userId = await insertUser(t.db);
      const at = Date.UTC(2030, 0, 1, 12, 0, 0, 123);
      await insertConnection(t.db, userId, { access_expires_at: at });
      const row = await t.db.kysely
        .selectFrom("connections")
        .select("access_expires_at")
        .executeTakeFirstOrThrow();
      expect(row.access_expires_at).toBe(at);
      const count = await t.db.kysely
        .selectFrom("connections")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      expect(count.n).toBe(1);
    });

    it("enforces one connection per user and provider", async () => {
      const userId = await insertUser(t.db);
      await insertConnection(t.db, userId);
      const error = await insertConnection(t.db, userId).catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
    });

    it("cascades a deleted user to their keys, sessions and connections but keeps the audit trail", async () => {
      const userId = await insertUser(t.db);
      await insertConnection(t.db, userId);
      await t.db.kysely
        .insertInto("sessions")
        .values({ id: "s1", user_id: userId, token_hash: "h", created_at: 1, expires_at: 2 })
        .execute();
      await t.db.kysely
        .insertInto("audit_events")
        .values({ id: "a1", user_id: userId, action: "x", detail_json: "{}", at: 1 })
        .execute();
      await t.db.kysely.deleteFrom("users").where("id", "=", userId).execute();
      expect(await t.db.kysely.selectFrom("connections").selectAll().execute()).toEqual([]);
      expect(await t.db.kysely.selectFrom("sessions").selectAll().execute()).toEqual([]);
      expect(await t.db.kysely.selectFrom("audit_events").selectAll().execute()).toHaveLength(1);
    });

    it("rejects values outside the status and provider vocabularies", async () => {
      const userId = await insertUser(t.db);
      await expect(insertConnection(t.db, userId, { status: "broken" as "connected" })).rejects.toThrow();
      await expect(insertConnection(t.db, userId, { provider: "dropbox" as "onedrive" })).rejects.toThrow();
    });
  });
}

describe("SQLite file", () => {
  it("is created with mode 0600 in a 0700 folder, with WAL, busy_timeout 5000 and foreign keys on", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-db-test-"));
    try {
      const path = join(dir, "home", "ferry.db");
      const db = await openDatabase({ kind: "sqlite", path });
      await migrateToLatest(db);
      await insertUser(db);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(`${path}-wal`)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, "home"))).mode & 0o777).toBe(0o700);
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];
      expect(await pragma("journal_mode")).toBe("wal");
      expect(await pragma("busy_timeout")).toBe(5000);
      expect(await pragma("foreign_keys")).toBe(1);
      await db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("PostgreSQL connection errors", () => {
  it("say where the server was expected, without the password", async () => {
    const error = await rejectionOf(
      openDatabase({ kind: "postgres", url: "postgres://ferry:hunter2@127.0.0.1:1/ferry" }),
      Error,
    );
    expect(error.message).toContain("cannot reach PostgreSQL at 127.0.0.1:1/ferry (FERRY_DATABASE_URL)");
    expect(error.message).not.toContain("hunter2");
  });
});
