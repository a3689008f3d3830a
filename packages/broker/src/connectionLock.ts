import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type RawBuilder, sql } from "kysely";
import type { FerryDb } from "./db.ts";
import type { ConnectionRow, ConnectionUpdate } from "./schema.ts";

// Exactly one refresher per connection, across threads, processes and broker instances, through a lease stored
// on the connection row (refresh_lock_owner, refresh_lock_until):
//
// - Claiming is one conditional UPDATE. PostgreSQL takes the row lock for it and re-checks the WHERE clause once
//   the lock is granted, and SQLite runs it as its own write transaction under the database write lock, so of
//   any number of simultaneous claimers exactly one sees its row updated.
// - No transaction or database connection is held while the refresh talks to Microsoft. Holding BEGIN IMMEDIATE
//   that long would stop every other SQLite writer (API-key use, other connections' refreshes) for the whole
//   network round trip; holding SELECT … FOR UPDATE would park a pooled PostgreSQL connection per waiting
//   request, and a few hundred concurrent mints would drain the pool.
// - A lease expires by itself. A broker killed with SIGKILL mid-refresh, or cut off from the database by a
//   network partition, stops renewing it and the next caller takes over within one lease, without relying on
//   the server noticing a dead TCP connection.
// - Expiry is measured on the database's clock, the one clock all instances share.
// - Writes made under the lease are fenced (WHERE refresh_lock_owner = us), so a holder that stalled past its
//   lease cannot overwrite what its successor committed.

export interface ConnectionLockOptions {
  /** How long a claim lasts without renewal; the holder renews it every third of this while `fn` runs. */
  leaseMs?: number;
  /** How long to wait for the lease before giving up with LockTimeoutError. */
  waitTimeoutMs?: number;
}

export interface ConnectionLease {
  /** The row as read after the lease was granted: a previous holder may just have refreshed it. */
  readonly connection: ConnectionRow;
  /** Aborted when the lease is lost (taken over after a stall, or the connection deleted). */
  readonly signal: AbortSignal;
  /** Writes to the connection only while this lease is still ours; throws LeaseLostError otherwise. */
  update(patch: LeasedConnectionUpdate): Promise<ConnectionRow>;
}

export type LeasedConnectionUpdate = Omit<
  ConnectionUpdate,
  "id" | "user_id" | "provider" | "version" | "refresh_lock_owner" | "refresh_lock_until"
>;

export class ConnectionNotFoundError extends Error {
  override name = "ConnectionNotFoundError";
  constructor(readonly connectionId: string) {
    super(`connection ${connectionId} does not exist (it may have been disconnected)`);
  }
}

export class LockTimeoutError extends Error {
  override name = "LockTimeoutError";
  constructor(
    readonly connectionId: string,
    waitedMs: number,
  ) {
    super(`gave up after ${waitedMs} ms waiting for another refresh of connection ${connectionId} to finish`);
  }
}

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(readonly connectionId: string) {
    super(
      `the refresh lease on connection ${connectionId} was lost (it expired and was taken over, ` +
        "or the connection was deleted); nothing was written",
    );
  }
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;

/**
 * Runs `fn` while holding this connection's refresh lease, which no other caller anywhere holds at the same time.
 * Callers queue, and each then sees the row as its predecessor left it.
 */
export async function withConnectionLock<T>(
  db: FerryDb,
  connectionId: string,
  fn: (lease: ConnectionLease) => Promise<T>,
  options: ConnectionLockOptions = {},
): Promise<T> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const started = Date.now();
  const deadline = started + waitTimeoutMs;
  // Callers in this process queue in memory first, so a burst of requests polls the database once, not once each.
  return queueLocally(db, connectionId, deadline, waitTimeoutMs, async () => {
    const owner = randomUUID();
    await claim(db, connectionId, owner, leaseMs, deadline, started);
    try {
      return await runLeased(db, connectionId, owner, leaseMs, fn);
    } finally {
      await release(db, connectionId, owner);
    }
  });
}

const localTails = new WeakMap<FerryDb, Map<string, Promise<void>>>();

async function queueLocally<T>(
  db: FerryDb,
  connectionId: string,
  deadline: number,
  waitTimeoutMs: number,
  task: () => Promise<T>,
): Promise<T> {
  let tails = localTails.get(db);
  if (tails === undefined) {
    tails = new Map();
    localTails.set(db, tails);
  }
  const previous = tails.get(connectionId) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  // The tail waits for the previous caller too, so a caller that times out and leaves early lets nobody jump it.
  const tail = previous.then(() => mine);
  tails.set(connectionId, tail);
  try {
    await waitOrTimeout(previous, deadline, connectionId, waitTimeoutMs);
    return await task();
  } finally {
    done();
    if (tails.get(connectionId) === tail) tails.delete(connectionId);
  }
}

async function waitOrTimeout(
  turn: Promise<void>,
  deadline: number,
  connectionId: string,
  waitTimeoutMs: number,
): Promise<void> {
  const controller = new AbortController();
  const timedOut = sleep(Math.max(0, deadline - Date.now()), undefined, { signal: controller.signal }).then(
    () => {
      throw new LockTimeoutError(connectionId, waitTimeoutMs);
    },
  );
  try {
    await Promise.race([turn, timedOut]);
  } finally {
    controller.abort();
    timedOut.catch(() => {});
  }
}

/** Epoch milliseconds on the database server's clock. */
function databaseNow(db: FerryDb): RawBuilder<number> {
  return db.dialect === "postgres"
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

async function claim(
  db: FerryDb,
  connectionId: string,
  owner: string,
  leaseMs: number,
  deadline: number,
  started: number,
): Promise<void> {
  let pause = FIRST_POLL_MS;
  for (;;) {
    const now = databaseNow(db);
    const result = await db.kysely
      .updateTable("connections")
      .set({ refresh_lock_owner: owner, refresh_lock_until: sql<number>`${now} + ${leaseMs}` })
      .where("id", "=", connectionId)
      .where((eb) => eb.or([eb("refresh_lock_until", "is", null), eb("refresh_lock_until", "<=", now)]))
      .executeTakeFirst();
    if (result.numUpdatedRows === 1n) return;
    const exists = await db.kysely
      .selectFrom("connections")
      .select("id")
      .where("id", "=", connectionId)
      .executeTakeFirst();
    if (exists === undefined) throw new ConnectionNotFoundError(connectionId);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new LockTimeoutError(connectionId, Date.now() - started);
    // Jitter keeps waiters in several processes from polling in lockstep.
    await sleep(Math.min(remaining, pause * (0.5 + Math.random())));
    pause = Math.min(MAX_POLL_MS, pause * 2);
  }
}

async function runLeased<T>(
  db: FerryDb,
  connectionId: string,
  owner: string,
  leaseMs: number,
  fn: (lease: ConnectionLease) => Promise<T>,
): Promise<T> {
  const connection = await db.kysely
    .selectFrom("connections")
    .selectAll()
    .where("id", "=", connectionId)
    .where("refresh_lock_owner", "=", owner)
    .executeTakeFirst();
  if (connection === undefined) throw new LeaseLostError(connectionId);

  const controller = new AbortController();
  let lastRenewed = Date.now();
  const lose = () => {
    if (!controller.signal.aborted) controller.abort(new LeaseLostError(connectionId));
  };
  const heartbeat = setInterval(
    () => {
      const now = databaseNow(db);
      db.kysely
        .updateTable("connections")
        .set({ refresh_lock_until: sql<number>`${now} + ${leaseMs}` })
        .where("id", "=", connectionId)
        .where("refresh_lock_owner", "=", owner)
        .executeTakeFirst()
        .then(
          (result) => {
            if (result.numUpdatedRows === 1n) lastRenewed = Date.now();
            else lose();
          },
          () => {
            // Unreachable database: once a whole lease has passed unrenewed, someone else may hold it.
            if (Date.now() - lastRenewed >= leaseMs) lose();
          },
        );
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  // A pending renewal must not keep a finished process alive.
  heartbeat.unref();

  const lease: ConnectionLease = {
    connection,
    signal: controller.signal,
    update: async (patch) => {
      if (controller.signal.aborted) throw new LeaseLostError(connectionId);
      const row = await db.kysely
        .updateTable("connections")
        .set({ ...patch, version: sql<number>`version + 1` })
        .where("id", "=", connectionId)
        .where("refresh_lock_owner", "=", owner)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) {
        lose();
        throw new LeaseLostError(connectionId);
      }
      return row;
    },
  };
  try {
    return await fn(lease);
  } finally {
    clearInterval(heartbeat);
  }
}

async function release(db: FerryDb, connectionId: string, owner: string): Promise<void> {
  // Twice: right after a PostgreSQL backend dies, the pool can hand out its dead connection once more, and a
  // release lost to that would make every other caller wait out the whole lease.
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await db.kysely
        .updateTable("connections")
        .set({ refresh_lock_owner: null, refresh_lock_until: null })
        .where("id", "=", connectionId)
        .where("refresh_lock_owner", "=", owner)
        .execute();
      return;
    } catch {
      // The result of fn stands: if the release cannot be written, the lease simply runs out.
    }
  }
}
