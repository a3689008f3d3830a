import { chmodSync, closeSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, type MigrationResultSet, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import type { DatabaseConfig } from "./config.ts";
import { makePrivateDirectory, unusable } from "./dataDirectory.ts";
import { migrations } from "./migrations/index.ts";
import type { Tables } from "./schema.ts";

export type Dialect = "sqlite" | "postgres";

/** The broker's database: one Kysely over either dialect, plus which one it is for the few places that differ. */
export interface FerryDb {
  readonly kysely: Kysely<Tables>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size per broker instance. */
  poolSize?: number;
}

const INT8_OID = 20;
/** How long the start-up connection to PostgreSQL may take before the broker gives up and says so. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function openDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<FerryDb> {
  return config.kind === "sqlite" ? openSqlite(config.path) : openPostgres(config.url, options);
}

async function openSqlite(path: string): Promise<FerryDb> {
  if (path !== ":memory:") {
    await makePrivateDirectory(dirname(path), "FERRY_DATABASE_URL");
    // The file holds ciphertexts and key hashes: create it private before SQLite opens it. SQLite gives the
    // -wal and -shm files the main file's mode, so they stay private too.
    try {
      closeSync(openSync(path, "a", 0o600));
    } catch (error) {
      throw unusable("FERRY_DATABASE_URL", path, error as NodeJS.ErrnoException);
    }
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
  const database = new SqliteDatabase(path);
  // WAL lets readers run while a writer commits; busy_timeout makes a second process wait for the write lock
  // instead of failing at once; foreign keys are off by default in SQLite and the cascades rely on them.
  database.pragma("journal_mode = WAL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  // A committed refresh-token rotation must survive power loss: an fsync per commit is worth it here.
  database.pragma("synchronous = FULL");
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database }) });
  return { kysely, dialect: "sqlite", close: () => kysely.destroy() };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<FerryDb> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // int8 arrives as a string by default; every bigint here is an epoch-ms time, well inside 2^53.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client whose server connection drops emits 'error' on the pool, which would otherwise crash the
  // process; the pool discards that client and the next query opens a fresh one.
  pool.on("error", () => {});
  // The pool listens for that only while a client is idle. A server connection that dies while its client is
  // handed out (a terminated backend, a failover, a network cut mid-transaction, or a dead client handed out
  // again before its 'end' arrived) emits 'error' on the client itself, and nobody listening crashed the whole
  // broker. The query in flight fails on its own and the pool discards the dead client once it is released.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  // One connection tried first, on its own and with a deadline: the pool has none (a time limit there would also
  // cut short requests queued for a busy pool), and a server that accepts the connection but never answers, or a
  // host that drops the packets, would otherwise hold the broker's start for minutes.
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.query("select 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    const where = describePostgresUrl(url);
    const reason = /timeout/i.test((error as Error).message)
      ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`
      : (error as Error).message;
    throw new Error(
      `cannot reach PostgreSQL at ${where} (FERRY_DATABASE_URL): ${reason}. ` +
        "Check that the server runs and the URL's host, port, user and database are right.",
      { cause: error },
    );
  } finally {
    await probe.end().catch(() => undefined);
  }
  const kysely = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: "postgres", close: () => kysely.destroy() };
}

/** host:port/database, without the user or password the URL may carry. */
function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname}`;
}

/** Applies every migration not yet applied; safe to run on every start and from several instances at once. */
export async function migrateToLatest(db: FerryDb): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its migration tables in every schema of the database unless told which one; with two
    // Ferry schemas in one database it would find the other's tables and skip creating its own.
    ...(db.dialect === "postgres" ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  let result: MigrationResultSet = await migrator.migrateToLatest();
  // Kysely's PostgreSQL introspector calls has_schema_privilege() on every schema in the database; one dropped by
  // someone else while that scan runs (other Ferry instances' or tests' schemas) fails it with 3F000. Nothing was
  // migrated then, so looking again is safe.
  for (
    let attempt = 1;
    attempt < 5 && (result.error as { code?: unknown } | undefined)?.code === "3F000";
    attempt++
  ) {
    result = await migrator.migrateToLatest();
  }
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? "setup"} failed: ${(result.error as Error).message}`, {
      cause: result.error,
    });
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

async function currentSchema(db: FerryDb): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db.kysely);
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new Error(
      "PostgreSQL has no schema to create Ferry's tables in: the search_path names none that exists. " +
        "Create the schema, or fix search_path in FERRY_DATABASE_URL's options.",
    );
  }
  return schema;
}

/** A unique constraint refused the write; the same question asked of either driver's error shape. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
