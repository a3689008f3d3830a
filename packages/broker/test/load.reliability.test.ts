import { Pool } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { recordFigures } from "../../../reliability/figures.ts";
import {
  connectOneDrive,
  createTestUser,
  graphMe,
  type TestUser,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";
import { type BrokerProcess, startBrokerProcessFor, stopBrokerProcess } from "./support/brokerProcess.ts";

const emulator = useEmulator();
const CLIENTS = 200;
const USERS = 50;
const DURATION_MS = 60_000;
const ACCOUNTS = ["personal", "work", "personal2"] as const;
// Every connection's stored access token is marked expired this often, as time would, so the load includes a
// steady stream of refreshes that callers on both instances race for, not only cached answers.
const EXPIRE_EVERY_MS = 5_000;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe("load on two broker instances sharing one PostgreSQL database", () => {
  const b = useBroker("postgres", emulator);
  const processes: BrokerProcess[] = [];
  const pools: Pool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.destroy()));
    await Promise.all(processes.splice(0).map((p) => stopBrokerProcess(p, "SIGKILL")));
  });

  it(`${CLIENTS} clients minting for ${DURATION_MS / 1000} s across ${USERS} users get no error`, async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < USERS; i++) {
      const user = await createTestUser(b, `user${i}`);
      await connectOneDrive(b, user, ACCOUNTS[i % ACCOUNTS.length]);
      users.push(user);
    }
    // Separate processes, as two deployed instances would be: each has its own event loop, pool and caches.
    const brokers = await Promise.all([0, 1].map(() => startBrokerProcessFor(b)));
    processes.push(...brokers);
    for (const broker of brokers) pools.push(new Pool(broker.url, { connections: CLIENTS / brokers.length }));
    const expireAll = () =>
      b.database.db.kysely.updateTable("connections").set({ access_expires_at: Date.now() }).execute();
    await expireAll();
    let expiries = 1;
    const refreshesBefore = await b.emu.admin.refreshGrants();

    const latencies: number[] = [];
    const failures = new Map<string, number>();
    const perClient = new Array<number>(CLIENTS).fill(0);
    const started = performance.now();
    const end = started + DURATION_MS;
    const expiryWrites: Promise<unknown>[] = [];
    const expiring = setInterval(() => {
      expiries++;
      expiryWrites.push(expireAll());
    }, EXPIRE_EVERY_MS);
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const user = users[i % USERS]!;
        const pool = pools[i % pools.length]!;
        while (performance.now() < end) {
          const t0 = performance.now();
          let outcome: string;
          try {
            const res = await pool.request({
              path: "/api/v1/integrations/onedrive/token",
              method: "POST",
              headers: user.bearer,
            });
            const body = (await res.body.json()) as { accessToken?: unknown };
            outcome =
              res.statusCode === 200 && typeof body.accessToken === "string"
                ? "ok"
                : `HTTP ${res.statusCode}`;
          } catch (error) {
            outcome = (error as Error).name;
          }
          latencies.push(performance.now() - t0);
          perClient[i]!++;
          if (outcome !== "ok") failures.set(outcome, (failures.get(outcome) ?? 0) + 1);
        }
      }),
    );
    clearInterval(expiring);
    await Promise.all(expiryWrites);
    const elapsedS = (performance.now() - started) / 1000;
    const refreshes = (await b.emu.admin.refreshGrants()) - refreshesBefore;

    // Whatever the load did to the stored tokens, every user still gets one that Graph accepts.
    let workingAtGraph = 0;
    for (const user of users) {
      const res = await pools[0]!.request({
        path: "/api/v1/integrations/onedrive/token",
        method: "POST",
        headers: user.bearer,
      });
      const body = (await res.body.json()) as { accessToken?: string };
      if (body.accessToken !== undefined && (await graphMe(b.emu, body.accessToken)).status === 200) {
        workingAtGraph++;
      }
    }

    const sorted = Float64Array.from(latencies).sort();
    const errors = [...failures.values()].reduce((n, v) => n + v, 0);
    // At most one refresh per connection each time its token expired, whichever of the 200 callers and two
    // instances asks: a refresh per caller would be thousands. (A refresh already under way when the expiry is
    // written may absorb it, so fewer is fine.)
    const refreshBound = USERS * expiries;
    recordFigures("broker load (PostgreSQL, two instances)", {
      "concurrent clients": CLIENTS,
      "users (connections)": USERS,
      "seconds of load": Number(elapsedS.toFixed(1)),
      "mints answered": latencies.length,
      errors,
      "error rate": latencies.length === 0 ? 1 : errors / latencies.length,
      "requests/s": Math.round(latencies.length / elapsedS),
      "p50 latency ms": Number(percentile(sorted, 50).toFixed(1)),
      "p99 latency ms": Number(percentile(sorted, 99).toFixed(1)),
      "max latency ms": Number(percentile(sorted, 100).toFixed(1)),
      "times every stored access token was expired": expiries,
      "refreshes at Microsoft": refreshes,
      "users with a working token afterwards": `${workingAtGraph}/${USERS}`,
    });

    expect(Object.fromEntries(failures)).toEqual({});
    expect(latencies.length).toBeGreaterThan(CLIENTS);
    expect(perClient.filter((n) => n === 0)).toEqual([]);
    expect(refreshes).toBeGreaterThanOrEqual(USERS);
    expect(refreshes).toBeLessThanOrEqual(refreshBound);
    expect(workingAtGraph).toBe(USERS);
  });
});
