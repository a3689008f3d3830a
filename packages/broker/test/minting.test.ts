import { describe, expect, it } from "vitest";
import { Vault } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  connectOneDrive,
  createTestUser,
  graphMe,
  makeStale,
  mint,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

const refreshGrants = (b: BrokerUnderTest) => b.emu.admin.refreshGrants();

/** Every request the emulator's token endpoint received, successful or not. */
const tokenEndpointRequests = (b: BrokerUnderTest) =>
  b.emu.admin.requestCount({ method: "POST", route: "oauth2/v2.0/token" });

async function row(b: BrokerUnderTest) {
  return b.database.db.kysely.selectFrom("connections").selectAll().executeTakeFirstOrThrow();
}

for (const dialect of DIALECTS) {
  describe(`minting tokens on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("refuses a token copied from another user's row, with a clear error and no token", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      await connectOneDrive(b, bob, "personal2");
      const rows = await b.database.db.kysely.selectFrom("connections").selectAll().execute();
      const adaRow = rows.find((r) => r.user_id === ada.user.id);
      const bobRow = rows.find((r) => r.user_id === bob.user.id);
      // An attacker with database access moves Ada's ciphertexts into Bob's row, and makes Bob's
      // token look stale so the broker must decrypt the refresh token.
      await b.database.db.kysely
        .updateTable("connections")
        .set({
          access_token_enc: adaRow?.access_token_enc ?? null,
          refresh_token_enc: adaRow?.refresh_token_enc ?? null,
        })
        .where("id", "=", bobRow?.id ?? "")
        .execute();
      const response = await mint(b, bob);
      expect(response.statusCode).toBe(500);
      expect(response.json().error.code).toBe("vault_unreadable");
      expect(response.json().error.message).toMatch(/could not be decrypted.*reconnect OneDrive/);
      expect(response.body).not.toContain("accessToken");
      expect(await refreshGrants(b)).toBe(0);
    });

    it("returns the stored token while more than 5 minutes remain, without calling Microsoft", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const first = (await mint(b, ada)).json();
      const second = (await mint(b, ada)).json();
      expect(second.accessToken).toBe(first.accessToken);
      expect(await refreshGrants(b)).toBe(0);
    });

    it("refreshes a token with 5 minutes or less left, storing the rotated refresh token", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const before = await row(b);
      const vault = new Vault([b.masterKey]);
      const field = { table: "connections", rowId: before.id, column: "refresh_token_enc" } as const;
      const oldRefresh = vault.decrypt(before.refresh_token_enc!, field);
      const first = (await mint(b, ada)).json();
      await makeStale(b, ada.user.id);
      const refreshed = await mint(b, ada);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().accessToken).not.toBe(first.accessToken);
      expect(await refreshGrants(b)).toBe(1);
      expect((await graphMe(b.emu, refreshed.json().accessToken)).status).toBe(200);

      const after = await row(b);
      expect(after.refresh_token_enc).not.toBe(before.refresh_token_enc);
      const newest = b.tokenResponses.at(-1)?.refresh_token;
      expect(typeof newest).toBe("string");
      expect(vault.decrypt(after.refresh_token_enc!, field)).toBe(newest);
      expect(newest).not.toBe(oldRefresh);
      expect(after.last_refresh_at).toBeGreaterThan(before.last_refresh_at!);
      expect(after.access_expires_at! - Date.now()).toBeGreaterThan(3000_000);
    });

    it("refreshes once for many concurrent mints of one stale connection", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      await makeStale(b, ada.user.id);
      const results = await Promise.all(Array.from({ length: 40 }, () => mint(b, ada)));
      expect(results.every((r) => r.statusCode === 200)).toBe(true);
      expect(new Set(results.map((r) => r.json().accessToken)).size).toBe(1);
      expect(await refreshGrants(b)).toBe(1);
    });

    it("a revoked grant turns the connection into needs_reconnect once, and Microsoft is not asked again", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      await b.emu.admin.revoke("personal");
      await makeStale(b, ada.user.id);
      const calls = await tokenEndpointRequests(b);
      const failed = await mint(b, ada);
      expect(failed.statusCode).toBe(409);
      expect(failed.json().error.code).toBe("needs_reconnect");
      expect(failed.json().error.message).toContain("ferry integrations onedrive connect");
      expect(failed.json().error.message).toContain("AADSTS50173");
      expect(await tokenEndpointRequests(b)).toBe(calls + 1);

      const stored = await row(b);
      expect(stored.status).toBe("needs_reconnect");
      expect(stored.last_error).toMatch(/^invalid_grant: AADSTS50173/);
      expect(stored.refresh_token_enc).toBeNull();
      expect(stored.access_token_enc).toBeNull();

      for (let i = 0; i < 5; i++) expect((await mint(b, ada)).json().error.code).toBe("needs_reconnect");
      await b.broker.runKeepAlive();
      // No refresh loop: not one more call to the token endpoint.
      expect(await tokenEndpointRequests(b)).toBe(calls + 1);

      const list = (
        await b.inject({ method: "GET", url: "/api/v1/integrations", headers: ada.bearer })
      ).json();
      expect(list.integrations[0]).toMatchObject({ status: "needs_reconnect" });
      expect(list.integrations[0].lastError).toContain("AADSTS50173");

      await connectOneDrive(b, ada);
      expect((await mint(b, ada)).statusCode).toBe(200);
    });

    it("the keep-alive refreshes connections idle for more than 24 hours, and only those", async () => {
      const ada = await createTestUser(b, "ada");
      const grace = await createTestUser(b, "grace");
      await connectOneDrive(b, ada, "personal");
      await connectOneDrive(b, grace, "work");
      const dayAgo = Date.now() - 25 * 3600_000;
      await b.database.db.kysely
        .updateTable("connections")
        .set({ last_refresh_at: dayAgo })
        .where("user_id", "=", ada.user.id)
        .execute();
      const before = await b.database.db.kysely
        .selectFrom("connections")
        .selectAll()
        .orderBy("account_email")
        .execute();
      expect(await b.broker.runKeepAlive()).toEqual({ refreshed: 1, failed: 0 });
      expect(await refreshGrants(b)).toBe(1);
      const after = await b.database.db.kysely
        .selectFrom("connections")
        .selectAll()
        .orderBy("account_email")
        .execute();
      const adaBefore = before.find((r) => r.user_id === ada.user.id)!;
      const adaAfter = after.find((r) => r.user_id === ada.user.id)!;
      expect(adaAfter.last_refresh_at).toBeGreaterThan(dayAgo);
      expect(adaAfter.refresh_token_enc).not.toBe(adaBefore.refresh_token_enc);
      const graceBefore = before.find((r) => r.user_id === grace.user.id)!;
      expect(after.find((r) => r.user_id === grace.user.id)?.refresh_token_enc).toBe(
        graceBefore.refresh_token_enc,
      );
    });

    it("with the keep-alive, a connection survives Microsoft's 90-day inactivity limit", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      // Twice 60 days on Microsoft's clock, with a keep-alive pass each time (its connection looks a day idle).
      for (let i = 0; i < 2; i++) {
        await b.emu.admin.advanceClock(60 * 24 * 3600);
        await b.database.db.kysely
          .updateTable("connections")
          .set({ last_refresh_at: Date.now() - 25 * 3600_000 })
          .execute();
        expect(await b.broker.runKeepAlive()).toEqual({ refreshed: 1, failed: 0 });
      }
      // 120 days after sign-in the stored refresh token is 60 days old, and still redeems.
      await makeStale(b, ada.user.id);
      expect((await mint(b, ada)).statusCode).toBe(200);
      expect((await row(b)).status).toBe("connected");
    });

    it("without a keep-alive, 90 idle days end in needs_reconnect (AADSTS700082), which is what it prevents", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      await b.emu.admin.advanceClock(91 * 24 * 3600);
      await makeStale(b, ada.user.id);
      const res = await mint(b, ada);
      expect(res.json().error.code).toBe("needs_reconnect");
      expect((await row(b)).last_error).toContain("AADSTS700082");
    });
  });

  describe(`token responses without expires_in on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("assume a short lifetime, so the token is refreshed rather than kept forever", async () => {
      const ada = await createTestUser(b, "ada");
      // The emulator answers the code redemption without expires_in or ext_expires_in.
      await b.emu.admin.faults({ path: "/oauth2/v2.0/token", kind: "omitExpiresIn" });
      const before = Date.now();
      await connectOneDrive(b, ada);
      const after = Date.now();
      expect((await b.emu.admin.counters()).faults.scripted).toBe(1);
      const stored = await row(b);
      // Ten minutes from the moment the answer arrived, which lies between the two readings.
      expect(stored.access_expires_at).toBeGreaterThanOrEqual(before + 10 * 60_000);
      expect(stored.access_expires_at).toBeLessThanOrEqual(after + 10 * 60_000);
      const minted = (await mint(b, ada)).json();
      expect(Date.parse(minted.expiresAt)).toBe(stored.access_expires_at);
    });
  });

  describe(`transient refresh failures on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, {
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 1_000 },
    });
    /** The next `count` refresh requests fail at Microsoft's token endpoint, as the emulator scripts it. */
    const failRefreshes = (count: number, kind: "503" | "network") =>
      b.emu.admin.faults(
        kind === "503"
          ? {
              method: "POST",
              path: "/oauth2/v2.0/token",
              count,
              status: 503,
              body: "<html>Service Unavailable</html>",
            }
          : { method: "POST", path: "/oauth2/v2.0/token", count, kind: "reset" },
      );

    it("are retried with backoff and then succeed", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      await makeStale(b, ada.user.id);
      await failRefreshes(2, "503");
      const res = await mint(b, ada);
      expect(res.statusCode).toBe(200);
      expect(await b.emu.admin.listFaults()).toEqual([]);
      expect((await b.emu.admin.counters()).faults.scripted).toBe(2);
      expect(await b.emu.admin.requestCount({ route: "oauth2/v2.0/token", status: 503 })).toBe(2);
      expect(await refreshGrants(b)).toBe(1);
      expect((await row(b)).last_error).toBeNull();
      const metrics = (await b.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(/ferry_broker_refresh_failures_total\{reason="http_503"\} 2/);
    });

    it("answer 503 with Retry-After once retries are spent, keeping the connection and its refresh token", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      await makeStale(b, ada.user.id);
      const before = await row(b);
      await failRefreshes(3, "network");
      const res = await mint(b, ada);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe("refresh_unavailable");
      expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      const after = await row(b);
      expect(after).toMatchObject({
        status: "connected",
        refresh_token_enc: before.refresh_token_enc,
        refresh_failures: 1,
      });
      expect(after.last_error).toContain("could not reach");
      expect((await b.emu.admin.counters()).faults.scripted).toBe(3);
      expect(await refreshGrants(b)).toBe(0);
      // Microsoft is back: the next mint refreshes and clears the error.
      expect((await mint(b, ada)).statusCode).toBe(200);
      expect((await row(b)).last_error).toBeNull();
    });
  });
}
