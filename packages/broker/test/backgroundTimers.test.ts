// The broker's background timers, which every other harness sets to 0 and drives by hand: here they run, with
// short intervals, and the test waits for their effects in the database and at the emulator (events, not time).
import { describe, expect, it, vi } from "vitest";
import { DIALECTS } from "./helpers.ts";
import { connectOneDrive, createTestUser, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();
const WAIT = { timeout: 60_000, interval: 20 };

for (const dialect of DIALECTS) {
  describe(`background timers on ${dialect}`, () => {
    describe("keep-alive", () => {
      const b = useBroker(dialect, emulator, { keepAliveIntervalMs: 50 });

      it("refreshes a connection idle for more than a day by itself, and leaves a fresh one alone", async () => {
        const ada = await createTestUser(b, "ada");
        const bob = await createTestUser(b, "bob");
        await connectOneDrive(b, ada, "personal");
        await connectOneDrive(b, bob, "personal2");
        const before = await b.emu.admin.refreshGrants();
        const idleSince = Date.now() - 25 * 3600_000;
        await b.database.db.kysely
          .updateTable("connections")
          .set({ last_refresh_at: idleSince })
          .where("user_id", "=", ada.user.id)
          .execute();
        const row = (userId: string) =>
          b.database.db.kysely
            .selectFrom("connections")
            .selectAll()
            .where("user_id", "=", userId)
            .executeTakeFirstOrThrow();
        const bobBefore = (await row(bob.user.id)).last_refresh_at;
        await vi.waitFor(
          async () => expect((await row(ada.user.id)).last_refresh_at).toBeGreaterThan(idleSince),
          WAIT,
        );
        expect(await b.emu.admin.refreshGrants()).toBe(before + 1);
        // The ticks looked at Bob's connection too, refreshed less than a day ago, and left it alone.
        expect((await row(bob.user.id)).last_refresh_at).toBe(bobBefore);
        expect((await row(ada.user.id)).status).toBe("connected");
      });
    });

    describe("purge", () => {
      const b = useBroker(dialect, emulator, { purgeIntervalMs: 50 });

      it("deletes expired OAuth states by itself, and keeps live ones", async () => {
        const ada = await createTestUser(b, "ada");
        const bob = await createTestUser(b, "bob");
        for (const user of [ada, bob]) {
          const started = await b.inject({
            method: "POST",
            url: "/api/v1/integrations/onedrive/device",
            headers: user.bearer,
          });
          expect(started.statusCode).toBe(200);
        }
        const states = () => b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
        expect(await states()).toHaveLength(2);
        // Ada's expired long ago (past any retention); Bob's is live.
        await b.database.db.kysely
          .updateTable("oauth_states")
          .set({ expires_at: 1 })
          .where("user_id", "=", ada.user.id)
          .execute();
        await vi.waitFor(
          async () => expect((await states()).map((s) => s.user_id)).toEqual([bob.user.id]),
          WAIT,
        );
      });
    });
  });
}
