// Issue 14, finding 1: the authorization-code flow is bound to the browser that opens the broker's start link, and
// nothing is stored before that browser confirms which Microsoft account goes to which Ferry user.
import { describe, expect, it } from "vitest";
import { CONFIRM_TTL_MS, MAX_CODE_FLOWS_PER_USER } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import {
  answerConfirmation,
  authorize,
  type BrokerUnderTest,
  bindFlow,
  connectLink,
  createTestUser,
  finishConnectFlow,
  signIn,
  startConnectFlow,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();
const AS_PAGE = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate", "sec-fetch-site": "none" };

async function connections(b: BrokerUnderTest) {
  return b.database.db.kysely.selectFrom("connections").selectAll().execute();
}

async function flows(b: BrokerUnderTest) {
  return b.database.db.kysely.selectFrom("oauth_states").selectAll().where("flow", "=", "code").execute();
}

/** The callback answered in the flow's browser, and the confirmation page it leads to. */
async function confirmationPage(b: BrokerUnderTest, flow: { callback: string; cookie: string }) {
  const callback = await b.inject({
    method: "GET",
    url: flow.callback,
    headers: { ...AS_PAGE, cookie: flow.cookie },
  });
  expect(callback.statusCode).toBe(303);
  return b.inject({
    method: "GET",
    url: String(callback.headers.location),
    headers: { ...AS_PAGE, cookie: flow.cookie },
  });
}

for (const dialect of DIALECTS) {
  describe(`the connect flow is bound to its browser, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("a key-started link shows who started it, uses nothing up when opened, and binds only on Continue", async () => {
      const alice = await createTestUser(b, "alice");
      const link = await connectLink(b, alice.bearer);
      const path = new URL(link).pathname;
      for (let i = 0; i < 2; i++) {
        // A link preview, or the person opening it twice: the same page, nothing bound.
        const page = await b.inject({ method: "GET", url: path, headers: AS_PAGE });
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain("Ferry user alice started connecting a OneDrive from the command line");
        expect(page.body).toContain("If it was not you");
        expect(page.body).toContain('<form method="post" action="/integrations/onedrive/start">');
        expect(page.headers["x-frame-options"]).toBe("DENY");
        expect(page.cookies).toEqual([]);
      }
      expect((await flows(b)).map((f) => [f.bound_at, f.state_hash])).toEqual([[null, null]]);
      const bound = await bindFlow(b, link);
      const [row] = await flows(b);
      expect(row?.bound_at).not.toBeNull();
      expect(row?.binding_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(new URL(bound.authorizationUrl).searchParams.get("prompt")).toBe("select_account");
      // Once bound, the link is spent.
      const again = await b.inject({ method: "GET", url: path, headers: AS_PAGE });
      expect(again.statusCode).toBe(400);
      expect(again.body).toContain("already opened");
    });

    it("the flow user's own page session goes straight on; another user's session is refused and binds nothing", async () => {
      const alice = await createTestUser(b, "alice");
      const bob = await createTestUser(b, "bob");
      const aliceSession = await signIn(b, alice.user);
      const bobSession = await signIn(b, bob.user);

      const keyLink = new URL(await connectLink(b, alice.bearer)).pathname;
      const inBobs = await b.inject({
        method: "GET",
        url: keyLink,
        headers: { ...AS_PAGE, cookie: bobSession.cookie },
      });
      expect(inBobs.statusCode).toBe(403);
      expect(inBobs.body).toContain(
        "It connects a OneDrive to Ferry user alice, but this browser is signed in to Ferry as bob",
      );
      expect(inBobs.body).toContain("do not use it");
      expect((await flows(b))[0]?.bound_at).toBeNull();
      const inAlices = await b.inject({
        method: "GET",
        url: keyLink,
        headers: { ...AS_PAGE, cookie: aliceSession.cookie },
      });
      expect(inAlices.statusCode).toBe(303);
      expect(String(inAlices.headers.location)).toContain("/oauth2/v2.0/authorize?");

      // From the page: the session is the flow user's, so the page's own navigation goes on at once.
      const pageLink = new URL(await connectLink(b, aliceSession.headers)).pathname;
      const fromPage = await b.inject({
        method: "GET",
        url: pageLink,
        headers: { ...AS_PAGE, "sec-fetch-site": "same-origin", cookie: aliceSession.cookie },
      });
      expect(fromPage.statusCode).toBe(303);
      expect(fromPage.cookies.find((c) => c.name === "ferry_connect")).toMatchObject({
        httpOnly: true,
        sameSite: "Lax",
      });
    });

    it("refused callbacks use nothing up: the flow's own browser can still finish, once", async () => {
      const alice = await createTestUser(b, "alice");
      const flow = await startConnectFlow(b, alice.bearer, "personal");
      for (const headers of [
        AS_PAGE,
        { ...AS_PAGE, cookie: `ferry_connect=${"A".repeat(43)}` },
        { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors", cookie: flow.cookie },
      ]) {
        const refused = await b.inject({ method: "GET", url: flow.callback, headers });
        expect(refused.statusCode).toBe(403);
        expect(refused.body).toMatch(/did not start this OneDrive connection|inside another page/);
        expect(refused.body).toContain("If you did not start it, close this tab");
      }
      const [row] = await flows(b);
      expect(row?.used_at).toBeNull();
      expect(row?.pending_enc).toBeNull();
      expect((await finishConnectFlow(b, flow)).statusCode).toBe(200);
      expect(await connections(b)).toHaveLength(1);
    });

    it("nothing is stored before the confirmation, which names the account and the user; the tokens wait encrypted", async () => {
      const alice = await createTestUser(b, "alice");
      const flow = await startConnectFlow(b, alice.bearer, "work");
      const page = await confirmationPage(b, flow);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(
        "Connect the OneDrive of grace.hopper@contoso.example to Ferry user alice?",
      );
      expect(page.body).toContain("Microsoft account: Grace Hopper (grace.hopper@contoso.example).");
      expect(page.body).toContain('name="decision" value="connect"');
      expect(page.body).toContain('name="decision" value="cancel"');
      expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(await connections(b)).toEqual([]);
      const [row] = await flows(b);
      expect(row?.pending_enc).toMatch(/^v1\./);
      expect(row!.pending_expires_at! - Date.now()).toBeLessThanOrEqual(CONFIRM_TTL_MS);
      expect(row?.used_at).not.toBeNull();

      const done = await answerConfirmation(b, page.body, flow.cookie, "connect");
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain("OneDrive is connected");
      const [connection] = await connections(b);
      expect(connection).toMatchObject({
        user_id: alice.user.id,
        account_email: "grace.hopper@contoso.example",
      });
      // The access token's clock kept running while the page was read.
      expect(connection!.access_expires_at! - Date.now()).toBeLessThanOrEqual(3600_000);
      expect((await flows(b))[0]).toMatchObject({ pending_enc: null, outcome: "connected" });
      expect(
        (
          await b.inject({
            method: "POST",
            url: "/api/v1/integrations/onedrive/token",
            headers: alice.bearer,
          })
        ).statusCode,
      ).toBe(200);
    });

    it("a reconnect's confirmation says which connection it replaces", async () => {
      const alice = await createTestUser(b, "alice");
      await finishConnectFlow(b, await startConnectFlow(b, alice.bearer, "personal"));
      const page = await confirmationPage(b, await startConnectFlow(b, alice.bearer, "work"));
      expect(page.body).toContain(
        "This replaces the current connection of alice (ada.lovelace@outlook.example).",
      );
    });

    it("Cancel drops the held tokens and stores nothing; a page-started flow goes back to the page", async () => {
      const alice = await createTestUser(b, "alice");
      const fromKey = await startConnectFlow(b, alice.bearer);
      const cancelled = await finishConnectFlow(b, fromKey, "cancel");
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.body).toContain("Nothing was connected");
      const session = await signIn(b, alice.user);
      const fromPage = await startConnectFlow(b, session.headers);
      const back = await finishConnectFlow(b, fromPage, "cancel");
      expect(back.statusCode).toBe(303);
      expect(back.headers.location).toBe("/?error=cancelled");
      expect(await connections(b)).toEqual([]);
      expect((await flows(b)).map((f) => [f.pending_enc, f.outcome])).toEqual([
        [null, "cancelled"],
        [null, "cancelled"],
      ]);
    });

    it("a confirmation left longer than 5 minutes stores nothing, and the purge drops its tokens", async () => {
      const alice = await createTestUser(b, "alice");
      const late = await startConnectFlow(b, alice.bearer);
      const page = await confirmationPage(b, late);
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ pending_expires_at: Date.now() - 1 })
        .execute();
      const answer = await answerConfirmation(b, page.body, late.cookie, "connect");
      expect(answer.statusCode).toBe(400);
      expect(answer.body).toContain("waited more than 5 minutes");
      expect(await connections(b)).toEqual([]);

      const forgotten = await startConnectFlow(b, alice.bearer);
      await confirmationPage(b, forgotten);
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ pending_expires_at: Date.now() - 1 })
        .where("pending_enc", "is not", null)
        .execute();
      await b.broker.purgeExpired();
      expect((await flows(b)).every((f) => f.pending_enc === null)).toBe(true);
    });

    it("disconnecting drops a redeemed sign-in waiting for its confirmation", async () => {
      const alice = await createTestUser(b, "alice");
      const flow = await startConnectFlow(b, alice.bearer);
      const page = await confirmationPage(b, flow);
      await b.inject({ method: "DELETE", url: "/api/v1/integrations/onedrive", headers: alice.bearer });
      const answer = await answerConfirmation(b, page.body, flow.cookie, "connect");
      expect(answer.statusCode).toBe(400);
      expect(await connections(b)).toEqual([]);
    });

    it(`keeps at most ${MAX_CODE_FLOWS_PER_USER} code flows per user, replacing the oldest, and purges unopened expired links`, async () => {
      const alice = await createTestUser(b, "alice");
      const bob = await createTestUser(b, "bob");
      const links: string[] = [];
      for (let i = 0; i < 40; i++) links.push(await connectLink(b, alice.bearer));
      const bobs = await connectLink(b, bob.bearer);
      const rows = await flows(b);
      expect(rows.filter((r) => r.user_id === alice.user.id)).toHaveLength(MAX_CODE_FLOWS_PER_USER);
      expect(rows.filter((r) => r.user_id === bob.user.id)).toHaveLength(1);
      // The oldest were replaced; the newest work.
      const oldest = await b.inject({ method: "GET", url: new URL(links[0]!).pathname, headers: AS_PAGE });
      expect(oldest.statusCode).toBe(400);
      const newest = await b.inject({
        method: "GET",
        url: new URL(links.at(-1)!).pathname,
        headers: AS_PAGE,
      });
      expect(newest.statusCode).toBe(200);

      // An unopened link is purged as soon as it has expired.
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ expires_at: Date.now() - 1 })
        .where("user_id", "=", bob.user.id)
        .execute();
      await b.broker.purgeExpired();
      expect((await flows(b)).filter((r) => r.user_id === bob.user.id)).toEqual([]);
      expect(
        (await b.inject({ method: "GET", url: new URL(bobs).pathname, headers: AS_PAGE })).statusCode,
      ).toBe(400);
    });

    it("the raw Microsoft URL of someone else's flow, answered in a victim's browser, connects nothing", async () => {
      // Mallory opens her own link, captures where it sends her, and gets the victim to open it.
      const mallory = await createTestUser(b, "mallory");
      const victim = await createTestUser(b, "victim");
      const victimSession = await signIn(b, victim.user);
      await b.emu.admin.settings({ autoConsent: "personal" });
      const mallorys = await bindFlow(b, await connectLink(b, mallory.bearer));
      // Without prompt=select_account, as an attacker would strip it: the emulator answers at once.
      const stripped = new URL(mallorys.authorizationUrl);
      stripped.searchParams.delete("prompt");
      const callback = await authorize(stripped.href);
      for (const cookie of [undefined, victimSession.cookie]) {
        const res = await b.inject({
          method: "GET",
          url: callback,
          headers: { ...AS_PAGE, "sec-fetch-site": "cross-site", ...(cookie ? { cookie } : {}) },
        });
        expect(res.statusCode).toBe(403);
      }
      expect(await connections(b)).toEqual([]);
      const status = await b.inject({ method: "GET", url: "/api/v1/integrations", headers: mallory.bearer });
      expect(status.json().integrations[0].status).toBe("disconnected");
    });
  });
}
