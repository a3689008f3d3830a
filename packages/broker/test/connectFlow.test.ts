import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  bindFlow,
  connectOneDrive,
  createTestUser,
  finishConnectFlow,
  graphMe,
  mint,
  PUBLIC_URL,
  signIn,
  startConnectFlow,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

async function connectionRows(b: BrokerUnderTest) {
  return b.database.db.kysely.selectFrom("connections").selectAll().execute();
}

/** A page load of `url` in the browser that started the flow (its binding cookie, and session if any). */
function inBrowser(b: BrokerUnderTest, url: string, cookie: string) {
  return b.inject({
    method: "GET",
    url,
    headers: {
      cookie,
      "sec-fetch-dest": "document",
      "sec-fetch-mode": "navigate",
      "sec-fetch-site": "cross-site",
    },
  });
}

for (const dialect of DIALECTS) {
  describe(`connecting OneDrive (authorization code) on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("connects a personal account (mail is null, so the email is the UPN) and mints a token Graph accepts", async () => {
      const ada = await createTestUser(b, "ada");
      const page = await connectOneDrive(b, ada, "personal");
      expect(page.headers["content-type"]).toMatch(/text\/html/);
      expect(page.body).toContain("ada.lovelace@outlook.example");
      const minted = await mint(b, ada);
      expect(minted.statusCode).toBe(200);
      const body = minted.json();
      expect(body.account).toEqual({ email: "ada.lovelace@outlook.example", name: "Ada Lovelace" });
      expect(body.scope.split(" ").sort()).toEqual(["Files.ReadWrite", "User.Read", "offline_access"]);
      expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now() + 3000_000);
      expect(await graphMe(b.emu, body.accessToken)).toMatchObject({
        status: 200,
        body: { displayName: "Ada Lovelace" },
      });

      const list = await b.inject({ method: "GET", url: "/api/v1/integrations", headers: ada.bearer });
      const [onedrive] = list.json().integrations;
      expect(onedrive).toMatchObject({
        provider: "onedrive",
        status: "connected",
        account: { email: "ada.lovelace@outlook.example", name: "Ada Lovelace" },
        lastError: null,
        requestedScopes: ["Files.ReadWrite", "offline_access", "User.Read"],
      });
      expect(Date.parse(onedrive.connectedAt)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(onedrive.lastRefreshAt)).toBeLessThanOrEqual(Date.now());
    });

    it("connects a work account, whose email is its mail", async () => {
      const grace = await createTestUser(b, "grace");
      await connectOneDrive(b, grace, "work");
      const body = (await mint(b, grace)).json();
      expect(body.account).toEqual({ email: "grace.hopper@contoso.example", name: "Grace Hopper" });
      expect(await graphMe(b.emu, body.accessToken)).toMatchObject({
        status: 200,
        body: { displayName: "Grace Hopper" },
      });
    });

    it("asks Microsoft for the right things: PKCE S256, a fresh state, the three scopes, the configured redirect, the account picker", async () => {
      const ada = await createTestUser(b, "ada");
      const connect = () =>
        b.inject({ method: "POST", url: "/api/v1/integrations/onedrive/connect", headers: ada.bearer });
      const one = await connect();
      const two = await connect();
      // The connect route answers the broker's own start link; Microsoft's URL exists only once a browser is bound.
      expect(one.json().authorizationUrl).toMatch(
        new RegExp(`^${PUBLIC_URL}/integrations/onedrive/start/[A-Za-z0-9_-]{43}$`),
      );
      const first = await bindFlow(b, one.json().authorizationUrl);
      const second = await bindFlow(b, two.json().authorizationUrl);
      const url = new URL(first.authorizationUrl);
      expect(url.origin + url.pathname).toBe(`${b.emu.authority}/common/oauth2/v2.0/authorize`);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        response_type: "code",
        code_challenge_method: "S256",
        scope: "Files.ReadWrite offline_access User.Read",
        redirect_uri: "http://127.0.0.1:7878/integrations/onedrive/callback",
        prompt: "select_account",
      });
      expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get("state")).not.toBe(
        new URL(second.authorizationUrl).searchParams.get("state"),
      );
      const expiresAt = Date.parse(one.json().expiresAt);
      expect(expiresAt - Date.now()).toBeGreaterThan(9 * 60_000);
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(10 * 60_000);
      // The state and the start token are stored only as hashes, the verifier only encrypted.
      const states = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      expect(JSON.stringify(states)).not.toContain(url.searchParams.get("state"));
      expect(JSON.stringify(states)).not.toContain(one.json().authorizationUrl.split("/").at(-1));
      expect(states.every((s) => s.code_verifier_enc?.startsWith("v1."))).toBe(true);
    });

    it("declined consent ends on a clear page and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const flow = await startConnectFlow(b, ada.bearer, "decline");
      expect(flow.callback).toContain("error=access_denied");
      const page = await inBrowser(b, flow.callback, flow.cookie);
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain("You declined");
      expect(await connectionRows(b)).toEqual([]);
      expect((await mint(b, ada)).json().error.code).toBe("not_connected");
    });

    it("a flow started from the page returns to the page, with the outcome in the query", async () => {
      const ada = await createTestUser(b, "ada");
      const session = await signIn(b, ada.user);
      const declined = await startConnectFlow(b, session.headers, "decline");
      const back = await inBrowser(b, declined.callback, declined.cookie);
      expect(back.statusCode).toBe(303);
      expect(back.headers.location).toBe("/?error=access_denied");
      const accepted = await startConnectFlow(b, session.headers, "personal");
      const done = await finishConnectFlow(b, accepted);
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe("/?connected=onedrive");
      expect(await connectionRows(b)).toHaveLength(1);
    });

    it("refuses a missing, unknown, replayed or expired state, and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const missing = await b.inject({ method: "GET", url: "/integrations/onedrive/callback?code=abc" });
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toContain("no state");
      const unknown = await b.inject({
        method: "GET",
        url: `/integrations/onedrive/callback?code=abc&state=${randomBytes(32).toString("base64url")}`,
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toContain("does not belong to any sign-in");

      const expiring = await startConnectFlow(b, ada.bearer, "personal");
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ expires_at: Date.now() - 1 })
        .execute();
      const expired = await inBrowser(b, expiring.callback, expiring.cookie);
      expect(expired.statusCode).toBe(400);
      expect(expired.body).toContain("expired");
      expect(await connectionRows(b)).toEqual([]);

      const flow = await startConnectFlow(b, ada.bearer, "personal");
      expect((await finishConnectFlow(b, flow)).statusCode).toBe(200);
      const before = await connectionRows(b);
      const replayed = await inBrowser(b, flow.callback, flow.cookie);
      expect(replayed.statusCode).toBe(400);
      expect(replayed.body).toContain("already completed");
      expect(await connectionRows(b)).toEqual(before);
    });

    it("a PKCE verifier mismatch is refused by Microsoft, shown clearly, and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const flow = await startConnectFlow(b, ada.bearer, "personal");
      // Swap in another verifier, sealed properly for the row, as if the flow had been tampered with.
      const [row] = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      const { Vault } = await import("../src/index.ts");
      const forged = new Vault([b.masterKey]).encrypt(randomBytes(32).toString("base64url"), {
        table: "oauth_states",
        rowId: row!.id,
        column: "code_verifier_enc",
      });
      await b.database.db.kysely.updateTable("oauth_states").set({ code_verifier_enc: forged }).execute();
      const page = await inBrowser(b, flow.callback, flow.cookie);
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain("Microsoft refused to finish the sign-in");
      expect(page.body).toContain("invalid_grant");
      expect(await connectionRows(b)).toEqual([]);
    });

    it("a token-endpoint error (the code expired at Microsoft) ends on a clear page and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const flow = await startConnectFlow(b, ada.bearer, "personal");
      await b.emu.admin.advanceClock(11 * 60);
      const page = await inBrowser(b, flow.callback, flow.cookie);
      expect(page.statusCode).toBe(400);
      expect(page.body).toMatch(/AADSTS\d+/);
      expect(await connectionRows(b)).toEqual([]);
    });

    it("connecting again replaces the connection in place: same row, new account and tokens", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada, "personal");
      const [first] = await connectionRows(b);
      await b.database.db.kysely
        .updateTable("connections")
        .set({ status: "needs_reconnect", last_error: "AADSTS50173: revoked", refresh_token_enc: null })
        .execute();
      await connectOneDrive(b, ada, "work");
      const rows = await connectionRows(b);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: first!.id,
        status: "connected",
        account_email: "grace.hopper@contoso.example",
        last_error: null,
      });
      expect(rows[0]!.refresh_token_enc).not.toBeNull();
      expect(rows[0]!.access_token_enc).not.toBe(first!.access_token_enc);
      expect(rows[0]!.version).toBeGreaterThan(first!.version);
      expect((await mint(b, ada)).json().account.email).toBe("grace.hopper@contoso.example");
    });
  });
}
