import { describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  connectOneDrive,
  createTestUser,
  finishConnectFlow,
  makeStale,
  mint,
  signIn,
  startConnectFlow,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

async function connections(b: BrokerUnderTest) {
  return b.database.db.kysely.selectFrom("connections").selectAll().orderBy("id").execute();
}

for (const dialect of DIALECTS) {
  describe(`one user cannot reach another's connection, on every route, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("GET /api/v1/integrations shows only the caller's own connection", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      const bobs = await b.inject({ method: "GET", url: "/api/v1/integrations", headers: bob.bearer });
      expect(bobs.json().integrations[0]).toMatchObject({ status: "disconnected", account: null });
      expect(bobs.body).not.toContain("ada.lovelace");
      const bobSession = await signIn(b, bob.user);
      const viaCookie = await b.inject({
        method: "GET",
        url: "/api/v1/integrations",
        headers: { cookie: bobSession.cookie },
      });
      expect(viaCookie.body).not.toContain("ada.lovelace");
    });

    it("GET /api/v1/integrations?check=1 checks only the caller's own connection", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      // Ada's grant is revoked at Microsoft: a check that reached her connection would mark it needs_reconnect.
      await b.emu.admin.revoke("personal");
      const before = await connections(b);
      const bobs = await b.inject({
        method: "GET",
        url: "/api/v1/integrations?check=1",
        headers: bob.bearer,
      });
      expect(bobs.json().integrations[0]).toMatchObject({ status: "disconnected", account: null });
      expect(await connections(b)).toEqual(before);
      // The same check by Ada does reach her connection, so Bob's really was kept to his own.
      const adas = await b.inject({
        method: "GET",
        url: "/api/v1/integrations?check=1",
        headers: ada.bearer,
      });
      expect(adas.json().integrations[0].status).toBe("needs_reconnect");
    });

    it("POST …/token mints only the caller's own connection, fresh or refreshed", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      expect((await mint(b, bob)).json().error.code).toBe("not_connected");
      await makeStale(b, ada.user.id);
      expect((await mint(b, bob)).json().error.code).toBe("not_connected");
      await connectOneDrive(b, bob, "work");
      const adaToken = (await mint(b, ada)).json();
      const bobToken = (await mint(b, bob)).json();
      expect(adaToken.account.email).toBe("ada.lovelace@outlook.example");
      expect(bobToken.account.email).toBe("grace.hopper@contoso.example");
      expect(bobToken.accessToken).not.toBe(adaToken.accessToken);
    });

    it("DELETE …/onedrive disconnects only the caller", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      const before = await connections(b);
      const res = await b.inject({
        method: "DELETE",
        url: "/api/v1/integrations/onedrive",
        headers: bob.bearer,
      });
      expect(res.json().disconnected).toBe(false);
      expect(await connections(b)).toEqual(before);
      expect((await mint(b, ada)).statusCode).toBe(200);
    });

    it("the callback will not complete one user's sign-in in another user's browser session", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const bobSession = await signIn(b, bob.user);
      const flow = await startConnectFlow(b, ada.bearer);
      const inBobsBrowser = await b.inject({
        method: "GET",
        url: flow.callback,
        headers: { cookie: bobSession.cookie },
      });
      expect(inBobsBrowser.statusCode).toBe(403);
      expect(inBobsBrowser.body).toContain("another Ferry user");
      expect(await connections(b)).toEqual([]);
      // Ada's own flow is intact: finished in the browser that opened her start link (as after `ferry … connect`),
      // it works.
      expect((await finishConnectFlow(b, flow)).statusCode).toBe(200);
      const [row] = await connections(b);
      expect(row?.user_id).toBe(ada.user.id);
    });

    it("a flow started from one user's page session cannot be finished in another's", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const adaSession = await signIn(b, ada.user);
      const bobSession = await signIn(b, bob.user);
      const { callback } = await startConnectFlow(b, adaSession.headers);
      const res = await b.inject({ method: "GET", url: callback, headers: { cookie: bobSession.cookie } });
      // Bob's browser goes back to Bob's page, which says the sign-in was another user's; nothing of Ada's leaks.
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe("/?error=wrong_user");
      expect(await connections(b)).toEqual([]);
    });

    it("device sign-ins connect only the user who started them, and their status is private", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const started = (
        await b.inject({ method: "POST", url: "/api/v1/integrations/onedrive/device", headers: ada.bearer })
      ).json();
      const bobStatus = await b.inject({
        method: "GET",
        url: "/api/v1/integrations/onedrive/device",
        headers: bob.bearer,
      });
      expect(bobStatus.json().status).toBe("none");
      await b.emu.admin.approveDeviceCode(started.userCode, "personal", true);
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ next_poll_at: Date.now() - 1 })
        .execute();
      await b.broker.pollDeviceFlows();
      const [row] = await connections(b);
      expect(row?.user_id).toBe(ada.user.id);
      expect((await mint(b, bob)).json().error.code).toBe("not_connected");
    });

    it("sessions, /me and the admin API answer for the caller only", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const bobSession = await signIn(b, bob.user);
      const session = await b.inject({
        method: "GET",
        url: "/api/v1/session",
        headers: { cookie: bobSession.cookie },
      });
      expect(session.json().user.id).toBe(bob.user.id);
      expect((await b.inject({ method: "GET", url: "/api/v1/me", headers: bob.bearer })).json().user.id).toBe(
        bob.user.id,
      );
      const keys = await b.inject({
        method: "GET",
        url: "/api/v1/admin/users/ada/keys",
        headers: bob.bearer,
      });
      expect(keys.statusCode).toBe(403);
      const steal = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users/ada/login-links",
        headers: bob.bearer,
      });
      expect(steal.statusCode).toBe(403);
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/me", headers: ada.bearer })).json().user.name,
      ).toBe("ada");
      // Bob logging out ends his session only.
      const adaSession = await signIn(b, ada.user);
      const logout = await b.inject({ method: "POST", url: "/api/v1/logout", headers: bobSession.headers });
      expect(logout.statusCode).toBe(204);
      // Bob's session has ended: his cookie no longer signs him in.
      const bobAfter = await b.inject({
        method: "GET",
        url: "/api/v1/session",
        headers: { cookie: bobSession.cookie },
      });
      expect(bobAfter.statusCode).toBe(401);
      const adaStill = await b.inject({
        method: "GET",
        url: "/api/v1/session",
        headers: { cookie: adaSession.cookie },
      });
      expect(adaStill.json().user.name).toBe("ada");
    });

    it("a ciphertext copied into another user's row does not decrypt there", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      await connectOneDrive(b, bob, "work");
      const rows = await connections(b);
      const adaRow = rows.find((r) => r.user_id === ada.user.id)!;
      await b.database.db.kysely
        .updateTable("connections")
        .set({ access_token_enc: adaRow.access_token_enc })
        .where("user_id", "=", bob.user.id)
        .execute();
      const res = await mint(b, bob);
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain("EwFerry");
      expect(JSON.stringify(res.json())).not.toContain(adaRow.access_token_enc!);
    });
  });
}
