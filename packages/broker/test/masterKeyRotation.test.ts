// `ferry keys rotate-master` end to end on a broker's own data: a home with stored OneDrive tokens, rotated by
// rotateVault (what the command runs, with FERRY_MASTER_KEY="new,old"), then a broker that knows only the new
// key still mints and lists files, and one that knows only the old key no longer can. The command's own output
// is covered by packages/cli/test/admin.test.ts.
import { describe, expect, it } from "vitest";
import { MasterKey, type RunningBroker, rotateVault, startBroker } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import {
  connectOneDrive,
  createTestUser,
  makeStale,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

for (const dialect of DIALECTS) {
  describe(`master-key rotation on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    /** A broker on the same database and home that holds exactly `keys`, with the test harness's quiet timers. */
    async function brokerWith(keys: MasterKey[]): Promise<RunningBroker> {
      return startBroker(
        { ...b.config, masterKeys: keys },
        {
          port: 0,
          keepAliveIntervalMs: 0,
          devicePollIntervalMs: 0,
          purgeIntervalMs: 0,
          tokenCacheMs: 0,
          logger: { level: "silent" },
        },
      );
    }

    it("after rotate-master, a broker with only the new key still mints and lists files", async () => {
      await b.emu.admin.seed({
        account: "personal",
        files: [{ path: "reports/q1.csv", content: "a,b\n1,2\n" }],
      });
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const stored = await b.database.db.kysely.selectFrom("connections").selectAll().execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]?.refresh_token_enc).not.toBeNull();

      const oldKey = b.masterKey;
      const newKey = MasterKey.generate();
      const result = await rotateVault(b.database.db, [newKey, oldKey]);
      expect(result.rotated).toBeGreaterThanOrEqual(2);
      expect(await rotateVault(b.database.db, [newKey, oldKey])).toEqual({
        rotated: 0,
        current: result.rotated,
      });
      await b.broker.close();

      const onlyNew = await brokerWith([newKey]);
      try {
        // Stale, so the broker must decrypt the refresh token and store new ones, all under the new key.
        await makeStale(b, ada.user.id);
        const minted = await onlyNew.app.inject({
          method: "POST",
          url: "/api/v1/integrations/onedrive/token",
          headers: ada.bearer,
        });
        expect(minted.statusCode, minted.body).toBe(200);
        expect(await b.emu.admin.refreshGrants()).toBe(1);
        const listing = await fetch(`${b.emu.graphUrl}/me/drive/root:/reports:/children`, {
          headers: { authorization: `Bearer ${minted.json().accessToken}` },
        });
        expect(listing.status).toBe(200);
        const names = ((await listing.json()) as { value: { name: string }[] }).value.map((i) => i.name);
        expect(names).toEqual(["q1.csv"]);
      } finally {
        await onlyNew.close();
      }

      // The old key alone no longer opens anything: the rotation really moved every value.
      const onlyOld = await brokerWith([oldKey]);
      try {
        await makeStale(b, ada.user.id);
        const refused = await onlyOld.app.inject({
          method: "POST",
          url: "/api/v1/integrations/onedrive/token",
          headers: ada.bearer,
        });
        expect(refused.statusCode).toBe(500);
        expect(refused.json().error.code).toBe("vault_unreadable");
      } finally {
        await onlyOld.close();
      }
      // The harness closes its own broker after the test; give it one that is running.
      await b.restart();
    });
  });
}
