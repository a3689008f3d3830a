import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConnectionNotFoundError,
  type DatabaseConfig,
  type FerryDb,
  LeaseLostError,
  LockTimeoutError,
  openDatabase,
  withConnectionLock,
} from "../src/index.ts";
import { DIALECTS, insertConnection, insertUser, rejectionOf, useTestDatabase } from "./helpers.ts";

const CHILD = fileURLToPath(new URL("./fixtures/lockChild.ts", import.meta.url));

function startChild(job: {
  config: DatabaseConfig;
  connectionId: string;
  mode: "hold" | "increment";
  count?: number;
  leaseMs: number;
}): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, FERRY_LOCK_CHILD: JSON.stringify({ count: 0, ...job }) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (/^(held|ready)$/m.test(out)) resolve();
    });
    child.once("exit", (code, signal) => reject(new Error(`lock child exited early (${code ?? signal})`)));
  });
  // Listened for from the start: a quick child may finish before a slow sibling is even ready.
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, ready, exited };
}

async function counter(db: FerryDb, id: string): Promise<number> {
  const row = await db.kysely
    .selectFrom("connections")
    .select("refresh_failures")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.refresh_failures;
}

/** The database's clock, in epoch ms: the clock leases are granted and expire by. */
async function dbNow(db: FerryDb): Promise<number> {
  const now =
    db.dialect === "postgres"
      ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
      : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
  const { rows } = await sql<{ now: number | string }>`select ${now} as now`.execute(db.kysely);
  return Number(rows[0]?.now);
}

async function lockedUntil(db: FerryDb, id: string): Promise<number> {
  const row = await db.kysely
    .selectFrom("connections")
    .select("refresh_lock_until")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return Number(row.refresh_lock_until);
}

/** What a broker that died mid-refresh leaves behind: a claimed lease that nobody renews or releases. */
async function abandonLease(db: FerryDb, id: string, forMs: number): Promise<void> {
  const now =
    db.dialect === "postgres"
      ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
      : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
  await db.kysely
    .updateTable("connections")
    .set({ refresh_lock_owner: "dead-broker", refresh_lock_until: sql<number>`${now} + ${forMs}` })
    .where("id", "=", id)
    .execute();
}

for (const dialect of DIALECTS) {
  describe(`withConnectionLock on ${dialect}`, () => {
    const t = useTestDatabase(dialect);
    const children: ChildProcess[] = [];
    const extraDbs: FerryDb[] = [];
    afterEach(async () => {
      for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
      for (const db of extraDbs.splice(0)) await db.close();
    });

    async function connection(): Promise<string> {
      return (await insertConnection(t.db, await insertUser(t.db))).id;
    }

    it("lets exactly one of many concurrent callers, across several broker instances, run at a time", async () => {
      const id = await connection();
      // Separate database handles stand for separate broker instances: no in-memory queue is shared between them.
      const instances = [t.db];
      for (let i = 0; i < 2; i++) {
        const db = await openDatabase(t.current.config, { poolSize: 4 });
        extraDbs.push(db);
        instances.push(db);
      }
      let active = 0;
      let maxActive = 0;
      const calls = Array.from({ length: 30 }, (_, i) =>
        withConnectionLock(instances[i % instances.length]!, id, async (lease) => {
          active++;
          maxActive = Math.max(maxActive, active);
          const seen = lease.connection.refresh_failures;
          await sleep(2 + Math.random() * 5);
          await lease.update({ refresh_failures: seen + 1 });
          active--;
          return seen;
        }),
      );
      const seen = await Promise.all(calls);
      expect(maxActive).toBe(1);
      expect(await counter(t.db, id)).toBe(30);
      // Each holder saw the row as its predecessor left it: the values seen are exactly 0..29.
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it("is exclusive across processes", async () => {
      const id = await connection();
      const jobs = Array.from({ length: 3 }, () =>
        startChild({
          config: t.current.config,
          connectionId: id,
          mode: "increment",
          count: 15,
          leaseMs: 10_000,
        }),
      );
      children.push(...jobs.map((j) => j.child));
      await Promise.all(jobs.map((j) => j.ready));
      for (const job of jobs) job.child.stdin?.write("go\n");
      expect(await Promise.all(jobs.map((j) => j.exited))).toEqual([0, 0, 0]);
      expect(await counter(t.db, id)).toBe(45);
    });

    it("re-reads the row after the lease is granted", async () => {
      const id = await connection();
      let release!: () => void;
      const first = withConnectionLock(t.db, id, async (lease) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        await lease.update({ account_name: "written by the first holder" });
      });
      await sleep(20);
      const second = withConnectionLock(t.db, id, async (lease) => lease.connection.account_name);
      await sleep(20);
      release();
      await first;
      expect(await second).toBe("written by the first holder");
    });

    it("takes over from a holder that died without releasing, once its lease runs out", async () => {
      const id = await connection();
      await abandonLease(t.db, id, 400);
      const deadUntil = await lockedUntil(t.db, id);
      // Not before the dead holder's lease ran out, by the database's clock, which grants leases.
      const ran = await withConnectionLock(t.db, id, async (lease) => ({
        owner: lease.connection.refresh_lock_owner,
        at: await dbNow(t.db),
      }));
      expect(ran.at).toBeGreaterThanOrEqual(deadUntil);
      expect(ran.owner).not.toBe("dead-broker");
      const row = await t.db.kysely
        .selectFrom("connections")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      expect(row?.refresh_lock_owner).toBeNull();
      expect(row?.refresh_lock_until).toBeNull();
    });

    it("takes over from a broker process killed with SIGKILL while it held the lease", async () => {
      const id = await connection();
      const leaseMs = 1_500;
      const holder = startChild({ config: t.current.config, connectionId: id, mode: "hold", leaseMs });
      children.push(holder.child);
      await holder.ready;
      // While the holder lives it renews the lease, so a short wait fails.
      await expect(
        withConnectionLock(t.db, id, async () => "too early", { waitTimeoutMs: 2 * leaseMs }),
      ).rejects.toThrow(LockTimeoutError);
      holder.child.kill("SIGKILL");
      await holder.exited;
      // The dead holder's last renewal: nobody may take over before it. How soon after it the takeover
      // comes is a matter of the claim's polling and the machine's load, so it is not asserted.
      const deadUntil = await lockedUntil(t.db, id);
      const at = await withConnectionLock(t.db, id, async () => dbNow(t.db), { waitTimeoutMs: 60_000 });
      expect(at).toBeGreaterThanOrEqual(deadUntil);
    });

    it("gives up with LockTimeoutError when the lease stays taken", async () => {
      const id = await connection();
      await abandonLease(t.db, id, 60_000);
      const error = await rejectionOf(
        withConnectionLock(t.db, id, async () => "never", { waitTimeoutMs: 200 }),
        LockTimeoutError,
      );
      expect(error.message).toContain(id);
    });

    it("times out callers queued in the same process, and the queue keeps working", async () => {
      const id = await connection();
      let release!: () => void;
      const holder = withConnectionLock(t.db, id, () => new Promise<void>((resolve) => (release = resolve)));
      await sleep(20);
      await expect(withConnectionLock(t.db, id, async () => "x", { waitTimeoutMs: 50 })).rejects.toThrow(
        LockTimeoutError,
      );
      const next = withConnectionLock(t.db, id, async () => "next");
      release();
      await holder;
      expect(await next).toBe("next");
    });

    it("fences writes: a holder whose lease was taken over can no longer write and is told so", async () => {
      const id = await connection();
      const error = await withConnectionLock(
        t.db,
        id,
        async (lease) => {
          await abandonLease(t.db, id, 60_000); // another instance claimed it after our lease lapsed
          await lease.update({ account_name: "stale write" });
        },
        { leaseMs: 300 },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LeaseLostError);
      const row = await t.db.kysely
        .selectFrom("connections")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      expect(row?.account_name).not.toBe("stale write");
      expect(row?.refresh_lock_owner).toBe("dead-broker");
    });

    it("aborts the holder's signal when the lease is taken over", async () => {
      const id = await connection();
      const aborted = await withConnectionLock(
        t.db,
        id,
        async (lease) => {
          await abandonLease(t.db, id, 60_000);
          await once(lease.signal, "abort");
          return lease.signal.reason;
        },
        { leaseMs: 150 },
      );
      expect(aborted).toBeInstanceOf(LeaseLostError);
    });

    it("releases the lease when fn throws", async () => {
      const id = await connection();
      await expect(
        withConnectionLock(t.db, id, async () => {
          throw new Error("refresh failed");
        }),
      ).rejects.toThrow("refresh failed");
      expect(await withConnectionLock(t.db, id, async () => "free", { waitTimeoutMs: 100 })).toBe("free");
    });

    it("says so when the connection does not exist", async () => {
      await expect(withConnectionLock(t.db, "no-such-connection", async () => "x")).rejects.toThrow(
        ConnectionNotFoundError,
      );
    });
  });
}
