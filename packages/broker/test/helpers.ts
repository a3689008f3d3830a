import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach } from "vitest";
import {
  type DatabaseConfig,
  type Dialect,
  type FerryDb,
  migrateToLatest,
  type NewConnection,
  openDatabase,
} from "../src/index.ts";

export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];

export const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  db: FerryDb;
  config: DatabaseConfig;
  /** SQLite: the database file. */
  path: string | undefined;
  /** PostgreSQL: the schema this test owns. */
  schema: string | undefined;
  cleanup(): Promise<void>;
}

/**
 * A migrated, empty database that no other test sees: a SQLite file in a fresh temporary folder, or a fresh
 * PostgreSQL schema (selected through search_path) dropped afterwards, so test files can run in parallel.
 */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "ferry-broker-test-"));
    const path = join(dir, "ferry.db");
    const config: DatabaseConfig = { kind: "sqlite", path };
    const db = await openDatabase(config);
    await migrateToLatest(db);
    return {
      db,
      config,
      path,
      schema: undefined,
      cleanup: async () => {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `ferry_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create schema ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const config: DatabaseConfig = { kind: "postgres", url: url.href };
  let db: FerryDb | undefined;
  try {
    db = await openDatabase(config, { poolSize: 4 });
    await migrateToLatest(db);
  } catch (error) {
    await db?.close();
    await adminQuery(`drop schema ${schema} cascade`);
    throw error;
  }
  return {
    db,
    config,
    path: undefined,
    schema,
    cleanup: async () => {
      await db.close();
      await adminQuery(`drop schema if exists ${schema} cascade`);
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `the broker tests need PostgreSQL at ${POSTGRES_URL} (set FERRY_TEST_POSTGRES_URL to use another): ${(error as Error).message}`,
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh database for each test of the enclosing describe; read `.current` inside the test. */
export function useTestDatabase(dialect: Dialect): { readonly current: TestDatabase; readonly db: FerryDb } {
  let current: TestDatabase | undefined;
  beforeEach(async () => {
    current = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return {
    get current() {
      if (current === undefined) throw new Error("no test database outside a test");
      return current;
    },
    get db() {
      return this.current.db;
    },
  };
}

export async function insertUser(
  db: FerryDb,
  name = `user-${randomBytes(4).toString("hex")}`,
): Promise<string> {
  const id = randomUUID();
  await db.kysely.insertInto("users").values({ id, name, is_admin: 0, created_at: Date.now() }).execute();
  return id;
}

export async function insertConnection(db: FerryDb, userId: string, values: Partial<NewConnection> = {}) {
  const row: NewConnection = {
    id: randomUUID(),
    user_id: userId,
    provider: "onedrive",
    status: "connected",
    account_id: randomUUID(),
    account_email: "someone@example.com",
    account_name: "Someone",
    tenant_id: null,
    scopes: "Files.ReadWrite offline_access User.Read",
    refresh_token_enc: null,
    access_token_enc: null,
    access_expires_at: null,
    connected_at: Date.now(),
    last_refresh_at: null,
    last_used_at: null,
    last_error: null,
    refresh_failures: 0,
    version: 0,
    refresh_lock_owner: null,
    refresh_lock_until: null,
    ...values,
  };
  await db.kysely.insertInto("connections").values(row).execute();
  return row;
}

/** The error `promise` rejects with, checked to be an instance of `type`; fails if it resolves. */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved to ${JSON.stringify(outcome)}`);
}
