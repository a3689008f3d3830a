import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { recordFigures } from "../../../reliability/figures.ts";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  connectOneDrive,
  createTestUser,
  graphMe,
  type TestUser,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";
import { type BrokerProcess, startBrokerProcessFor, stopBrokerProcess } from "./support/brokerProcess.ts";

const emulator = useEmulator();
const CLIENTS = 20;
const KILLS = 50;
const ACCOUNTS = ["personal", "work", "personal2"] as const;
// A crashed refresher's lease is taken over after this long, which keeps the test short.
const LEASE_MS = 1_000;
// How long a client keeps retrying after the kills, as a job would, before it counts as failed.
const CLIENT_PATIENCE_MS = 30_000;

function start(b: BrokerUnderTest): Promise<BrokerProcess> {
  return startBrokerProcessFor(b, { options: { refreshLeaseMs: LEASE_MS, lockWaitMs: 20_000, poolSize: 4 } });
}

/** Mints for `user` against `url` until `stop` is set; every answer counts, failures included. */
async function mintLoop(
  url: string,
  user: TestUser,
  stop: { set: boolean },
  tally: { ok: number; failed: number },
) {
  while (!stop.set) {
    try {
      const res = await fetch(`${url}/api/v1/integrations/onedrive/token`, {
        method: "POST",
        headers: user.bearer,
      });
      await res.arrayBuffer();
      if (res.ok) tally.ok++;
      else tally.failed++;
    } catch {
      // The broker was killed under us.
      return;
    }
  }
}

/**
 * What a job does after a crash: asks again, honouring Retry-After on a 503, until it gets a token or runs out of
 * patience. A refused refresh token (needs_reconnect) is final, so it ends the loop at once.
 */
async function mintEventually(
  url: string,
  user: TestUser,
): Promise<{ status: number; code?: string; accessToken?: string }> {
  const deadline = Date.now() + CLIENT_PATIENCE_MS;
  for (;;) {
    const res = await fetch(`${url}/api/v1/integrations/onedrive/token`, {
      method: "POST",
      headers: user.bearer,
    });
    const body = (await res.json()) as { accessToken?: string; error?: { code: string } };
    if (res.status !== 503 || Date.now() > deadline) {
      return { status: res.status, code: body.error?.code, accessToken: body.accessToken };
    }
    await sleep(Number(res.headers.get("retry-after") ?? 1) * 1000);
  }
}

for (const dialect of DIALECTS) {
  describe(`a broker killed with SIGKILL in the middle of refreshes, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);
    const processes = new Set<BrokerProcess>();
    const starting = new Set<Promise<BrokerProcess>>();
    afterEach(async () => {
      await Promise.allSettled(starting);
      await Promise.all([...processes].map((p) => stopBrokerProcess(p, "SIGKILL")));
      processes.clear();
    });
    /** Starts a broker process that the test tears down even if it fails before using it. */
    function launch(): Promise<BrokerProcess> {
      const started = start(b).then((p) => {
        processes.add(p);
        return p;
      });
      starting.add(started);
      void started.finally(() => starting.delete(started)).catch(() => {});
      return started;
    }

    it(`loses no connection and orphans no refresh token over ${KILLS} kills while ${CLIENTS} clients mint`, async () => {
      const users: TestUser[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const user = await createTestUser(b, `user${i}`);
        await connectOneDrive(b, user, ACCOUNTS[i % ACCOUNTS.length]);
        users.push(user);
      }
      // Tokens that live one second: every connection refreshes several times a second, so the kills land in the
      // middle of refreshes.
      await b.emu.admin.settings({ tokenLifetime: 1 });
      const kysely = b.database.db.kysely;
      await kysely.updateTable("connections").set({ access_expires_at: Date.now() }).execute();
      const refreshesBefore = await b.emu.admin.refreshGrants();
      const tally = { ok: 0, failed: 0 };

      // The next brokers start while the current one runs, so process start-up does not dominate the test's time.
      const upcoming = [launch(), launch()];
      for (let round = 0; round < KILLS; round++) {
        const broker = await upcoming.shift()!;
        upcoming.push(launch());
        const stop = { set: false };
        const roundStart = await b.emu.admin.refreshGrants();
        const loops = users.map((user) => mintLoop(broker.url, user, stop, tally));
        // Kill only once this broker is refreshing, then at a random moment among its refreshes. A fixed sleep
        // alone could end, on a loaded machine, before the first refresh, and the kill would then test start-up.
        await expect
          .poll(() => b.emu.admin.refreshGrants(), { timeout: 20_000, interval: 20 })
          .toBeGreaterThan(roundStart);
        await sleep(Math.random() * 450);
        broker.child.kill("SIGKILL");
        await broker.exited;
        stop.set = true;
        await Promise.all(loops);
        processes.delete(broker);
      }
      const refreshesDuringKills = (await b.emu.admin.refreshGrants()) - refreshesBefore;
      expect(refreshesDuringKills).toBeGreaterThanOrEqual(KILLS);
      expect(tally.ok).toBeGreaterThan(0);

      // Nothing lost: every connection is still there, connected, with a refresh token.
      const rows = await kysely.selectFrom("connections").selectAll().execute();
      const lost =
        CLIENTS - rows.filter((r) => r.status === "connected" && r.refresh_token_enc !== null).length;

      // Nothing orphaned: a fresh broker must redeem the refresh token stored for every connection at the emulator.
      // Expiring every stored access token forces exactly one refresh per connection; a refresh token the emulator
      // does not know (one a crash tore from its rotation) would come back as needs_reconnect.
      await b.emu.admin.settings({ tokenLifetime: 3600 });
      await kysely.updateTable("connections").set({ access_expires_at: Date.now() }).execute();
      const survivor = await upcoming.shift()!;
      const refreshesBeforeSurvivor = await b.emu.admin.refreshGrants();
      const results = await Promise.all(users.map((user) => mintEventually(survivor.url, user)));
      const refreshesBySurvivor = (await b.emu.admin.refreshGrants()) - refreshesBeforeSurvivor;
      // Refused at the emulator (needs_reconnect) or torn in the vault (vault_unreadable): either way gone.
      const orphaned = results.filter(
        (r) => r.code === "needs_reconnect" || r.code === "vault_unreadable",
      ).length;
      let workingAtGraph = 0;
      for (const r of results) {
        if (r.accessToken !== undefined && (await graphMe(b.emu, r.accessToken)).status === 200)
          workingAtGraph++;
      }

      // A lease the dead brokers held was taken over and released by the survivor; none may still bar a refresher.
      const dbNow =
        dialect === "postgres"
          ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
          : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
      const stuck = await kysely
        .selectFrom("connections")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("refresh_lock_owner", "is not", null)
        .where("refresh_lock_until", ">", dbNow)
        .executeTakeFirstOrThrow();

      recordFigures(`broker crashes (${dialect})`, {
        "SIGKILLs of a broker while clients mint": KILLS,
        "concurrent clients": CLIENTS,
        "refreshes at Microsoft during the kills": refreshesDuringKills,
        "mints answered during the kills": tally.ok,
        "mints refused during the kills": tally.failed,
        "connections lost": lost,
        "orphaned refresh tokens": orphaned,
        "clients that eventually got a working token": `${workingAtGraph}/${CLIENTS}`,
        "leases left stuck": Number(stuck.n),
      });

      expect(rows).toHaveLength(CLIENTS);
      expect(lost).toBe(0);
      expect(results.map((r) => r.code ?? r.status)).toEqual(users.map(() => 200));
      expect(orphaned).toBe(0);
      expect(refreshesBySurvivor).toBe(CLIENTS);
      expect(workingAtGraph).toBe(CLIENTS);
      expect(Number(stuck.n)).toBe(0);
    });
  });
}
