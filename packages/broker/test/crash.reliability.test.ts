import { setTimeout as sleep } from "node:timers/promises";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import { afterEach, describe, expect, it } from "vitest";
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
import { type BrokerProcess, startBrokerProcess, stopBrokerProcess } from "./support/brokerProcess.ts";

const emulator = useEmulator();
const CLIENTS = 20;
const KILLS = 20;
const ACCOUNTS = ["personal", "work", "personal2"] as const;
// A crashed refresher's lease is taken over after this long, which keeps the test short.
const LEASE_MS = 1_000;

function start(b: BrokerUnderTest): Promise<BrokerProcess> {
  return startBrokerProcess({
    database: b.database.config,
    masterKey: b.masterKey,
    authority: b.emu.authority,
    graphUrl: b.emu.graphUrl,
    clientId: DEV_CLIENT_ID,
    options: { refreshLeaseMs: LEASE_MS, lockWaitMs: 20_000, poolSize: 4 },
  });
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

for (const dialect of DIALECTS) {
  describe(`a broker killed with SIGKILL in the middle of refreshes, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);
    const processes: BrokerProcess[] = [];
    afterEach(async () => {
      await Promise.all(processes.splice(0).map((p) => stopBrokerProcess(p, "SIGKILL")));
    });

    it(`loses no connection over ${KILLS} kills while ${CLIENTS} clients mint, and every connection mints afterwards`, async () => {
      const users: TestUser[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const user = await createTestUser(b, `user${i}`);
        await connectOneDrive(b, user, ACCOUNTS[i % ACCOUNTS.length]);
        users.push(user);
      }
      // Tokens that live one second: every mint has to refresh, so the kills land in the middle of refreshes.
      await b.emu.admin.settings({ tokenLifetime: 1 });
      await b.database.db.kysely.updateTable("connections").set({ access_expires_at: Date.now() }).execute();
      const refreshesBefore = (await b.emu.admin.counters()).grants.refresh_token ?? 0;
      const tally = { ok: 0, failed: 0 };

      // The next broker starts while the current one runs, so process start-up does not dominate the test's time.
      let next = start(b);
      for (let round = 0; round < KILLS; round++) {
        const broker = await next;
        processes.push(broker);
        next = start(b);
        const stop = { set: false };
        const loops = users.map((user) => mintLoop(broker.url, user, stop, tally));
        await sleep(150 + Math.random() * 450);
        broker.child.kill("SIGKILL");
        await broker.exited;
        stop.set = true;
        await Promise.all(loops);
        processes.splice(processes.indexOf(broker), 1);
      }
      const refreshesDuringKills =
        ((await b.emu.admin.counters()).grants.refresh_token ?? 0) - refreshesBefore;
      console.info(
        `${dialect}: ${KILLS} SIGKILLs, ${refreshesDuringKills} refreshes at Microsoft meanwhile, ${tally.ok} mints answered, ${tally.failed} refused`,
      );
      expect(refreshesDuringKills).toBeGreaterThan(KILLS);
      expect(tally.ok).toBeGreaterThan(0);

      // Nothing lost: every connection is still there, connected, with a refresh token.
      const rows = await b.database.db.kysely.selectFrom("connections").selectAll().execute();
      expect(rows).toHaveLength(CLIENTS);
      for (const row of rows) {
        expect(row.status).toBe("connected");
        expect(row.refresh_token_enc).not.toBeNull();
      }

      // And every connection still mints, through a fresh broker (waiting out leases the dead ones held).
      await b.emu.admin.settings({ tokenLifetime: 3600 });
      const survivor = await next;
      processes.push(survivor);
      const tokens = await Promise.all(
        users.map(async (user) => {
          const res = await fetch(`${survivor.url}/api/v1/integrations/onedrive/token`, {
            method: "POST",
            headers: user.bearer,
          });
          expect(res.status, await res.clone().text()).toBe(200);
          return ((await res.json()) as { accessToken: string }).accessToken;
        }),
      );
      for (const token of tokens) expect((await graphMe(b.emu, token)).status).toBe(200);
    });
  });
}
