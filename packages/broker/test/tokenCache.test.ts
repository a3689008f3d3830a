// The broker's in-memory access-token cache, which every other harness turns off (tokenCacheMs: 0): what a hit
// hands out, how long an entry lives, and how stale another instance's view of a connection can get. Time is
// moved with Vitest's fake Date (the cache reads Date.now), never waited for.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DIALECTS } from "./helpers.ts";
import { connectOneDrive, createTestUser, mint, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();
const TTL_MS = 10_000;

for (const dialect of DIALECTS) {
  describe(`the access-token cache on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, { tokenCacheMs: TTL_MS });
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Mints for the user on `app` and returns the answer's JSON, asserting a 200. */
    async function mintOn(app: { inject: typeof b.inject }, bearer: Record<string, string>) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/token",
        headers: bearer,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ accessToken: string; expiresAt: string; account: { email: string } }>();
    }

    it("a hit returns the very token the database holds, for its owner, without reading the row again", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const first = (await mint(b, ada)).json();
      // Behind the broker's back the stored ciphertext becomes unreadable: only a cache hit can still answer.
      await b.database.db.kysely
        .updateTable("connections")
        .set({ access_token_enc: "garbage" })
        .where("user_id", "=", ada.user.id)
        .execute();
      const hit = await mintOn(b, ada.bearer);
      expect(hit).toEqual(first);
      expect(hit.account.email).toBe("ada.lovelace@outlook.example");
      // Another user never gets Ada's entry.
      const bob = await createTestUser(b, "bob");
      const bobs = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/token",
        headers: bob.bearer,
      });
      expect(bobs.statusCode).not.toBe(200);
      expect(bobs.body).not.toContain(first.accessToken);
      expect(await b.emu.admin.refreshGrants()).toBe(0);
    });

    it("an entry lives for the TTL and not a millisecond longer", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const start = Date.now();
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const first = (await mint(b, ada)).json();
      await b.database.db.kysely
        .updateTable("connections")
        .set({ access_token_enc: "garbage" })
        .where("user_id", "=", ada.user.id)
        .execute();
      vi.setSystemTime(start + TTL_MS - 1);
      expect((await mintOn(b, ada.bearer)).accessToken).toBe(first.accessToken);
      vi.setSystemTime(start + TTL_MS + 1);
      // Past the TTL the row is read again, and its garbage is reported, not hidden by the cache.
      const after = await mint(b, ada);
      expect(after.statusCode).toBe(500);
      expect(after.json().error.code).toBe("vault_unreadable");
    });

    it("another instance's disconnect shows here within the TTL: served until then, refused after", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const start = Date.now();
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const cached = await mintOn(b, ada.bearer);
      const other = await b.startAnother({ tokenCacheMs: TTL_MS });
      const gone = await other.app.inject({
        method: "DELETE",
        url: "/api/v1/integrations/onedrive",
        headers: ada.bearer,
      });
      expect(gone.statusCode).toBe(200);
      // The other instance forgets at once; this one cannot know until its entry's TTL passes.
      const there = await other.app.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/token",
        headers: ada.bearer,
      });
      expect(there.statusCode).not.toBe(200);
      vi.setSystemTime(start + TTL_MS - 1);
      expect((await mintOn(b, ada.bearer)).accessToken).toBe(cached.accessToken);
      vi.setSystemTime(start + TTL_MS + 1);
      const here = await mint(b, ada);
      expect(here.statusCode).toBe(there.statusCode);
      expect(here.body).not.toContain(cached.accessToken);
    });
  });
}
