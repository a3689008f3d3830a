import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import { describe, expect, it } from "vitest";
import {
  createApiKey,
  createLoginLink,
  createUser,
  loadConfig,
  SESSION_COOKIE,
  startBroker,
} from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import {
  connectOneDrive,
  createTestUser,
  finishConnectFlow,
  mint,
  PUBLIC_URL,
  redeemLoginLinkForm,
  signIn,
  startConnectFlow,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

for (const dialect of DIALECTS) {
  describe(`API keys and web sessions on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("/api/v1 needs a valid API key or session, and /me says whose it is", async () => {
      const ada = await createTestUser(b, "ada");
      const none = await b.inject({ method: "GET", url: "/api/v1/integrations" });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe("unauthorized");
      for (const authorization of [
        "Bearer nope",
        `Bearer ${ada.key.slice(0, -1)}x`,
        `Basic ${ada.key}`,
        `Bearer fry_0000000000000000_${"a".repeat(43)}`,
      ]) {
        const res = await b.inject({ method: "GET", url: "/api/v1/me", headers: { authorization } });
        expect(res.statusCode).toBe(401);
        expect(res.body).not.toContain(ada.key);
      }
      const me = await b.inject({ method: "GET", url: "/api/v1/me", headers: ada.bearer });
      expect(me.json()).toEqual({
        user: { id: ada.user.id, name: "ada", isAdmin: false },
        via: "api_key",
        keyId: ada.keyId,
      });
      expect(me.headers["cache-control"]).toBe("no-store");
    });

    it("a login link signs a browser in once, with an HttpOnly SameSite=Lax cookie, and logout ends it", async () => {
      const ada = await createTestUser(b, "ada");
      const link = await createLoginLink(b.database.db, { userId: ada.user.id });
      // Opening the link only shows the button (a link preview may fetch it); both address forms work.
      for (const url of [`/login?token=${link.token}`, `/login/${link.token}`]) {
        const page = await b.inject({ method: "GET", url });
        expect(page.statusCode).toBe(200);
        expect(page.cookies).toEqual([]);
        expect(page.body).toContain('<form method="post" action="/login">');
        expect(page.body).toContain(`value="${link.token}"`);
      }
      const login = await redeemLoginLinkForm(b, link.token);
      expect(login.statusCode).toBe(303);
      expect(login.headers.location).toBe("/");
      const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
      expect(cookie.secure).toBeUndefined();
      for (const again of [
        await b.inject({ method: "GET", url: `/login/${link.token}` }),
        await redeemLoginLinkForm(b, link.token),
      ]) {
        expect(again.statusCode).toBe(400);
        expect(again.body).toContain("already used");
        expect(again.cookies).toEqual([]);
      }

      const headers = { cookie: `${SESSION_COOKIE}=${cookie.value}` };
      const session = (await b.inject({ method: "GET", url: "/api/v1/session", headers })).json();
      expect(session.user.name).toBe("ada");
      expect(session.via).toBe("session");
      expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const me = (await b.inject({ method: "GET", url: "/api/v1/me", headers })).json();
      expect(me).toMatchObject({ via: "session", keyId: null });

      const logout = await b.inject({
        method: "POST",
        url: "/api/v1/logout",
        headers: { ...headers, "x-csrf-token": session.csrfToken },
      });
      expect(logout.statusCode).toBe(204);
      expect((await b.inject({ method: "GET", url: "/api/v1/session", headers })).statusCode).toBe(401);
      // An API key has no CSRF token to hand out.
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/session", headers: ada.bearer })).json().csrfToken,
      ).toBeNull();
    });

    it("state-changing requests with the session cookie need the CSRF token and the broker's own origin", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const session = await signIn(b, ada.user);
      const statesBefore = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      const attempts: [string, Record<string, string>][] = [
        ["no CSRF header", { cookie: session.cookie }],
        ["a wrong CSRF token", { cookie: session.cookie, "x-csrf-token": "x".repeat(43) }],
        ["a cross-site Origin", { ...session.headers, origin: "https://evil.example" }],
        ["Sec-Fetch-Site: cross-site", { ...session.headers, "sec-fetch-site": "cross-site" }],
        ["Sec-Fetch-Site: same-site", { ...session.headers, "sec-fetch-site": "same-site" }],
        ["Origin: null", { ...session.headers, origin: "null" }],
      ];
      for (const [what, headers] of attempts) {
        for (const [method, url] of [
          ["DELETE", "/api/v1/integrations/onedrive"],
          ["POST", "/api/v1/integrations/onedrive/connect"],
          ["POST", "/api/v1/integrations/onedrive/token"],
          ["POST", "/api/v1/integrations/onedrive/device"],
          ["POST", "/api/v1/logout"],
        ] as const) {
          const res = await b.inject({ method, url, headers });
          expect(res.statusCode, `${method} ${url} with ${what}`).toBe(403);
          expect(res.json().error.code).toBe("csrf_failed");
        }
      }
      // Nothing happened: still connected, no flow started, still signed in.
      expect((await mint(b, ada)).statusCode).toBe(200);
      expect(await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute()).toEqual(
        statesBefore,
      );
      // Reads need no CSRF token; the page's real requests pass.
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/integrations", headers: { cookie: session.cookie } }))
          .statusCode,
      ).toBe(200);
      const token = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/token",
        headers: session.headers,
      });
      expect(token.statusCode).toBe(200);
      const disconnect = await b.inject({
        method: "DELETE",
        url: "/api/v1/integrations/onedrive",
        headers: session.headers,
      });
      expect(disconnect.statusCode).toBe(200);
    });

    it("requests with an API key need no CSRF token, even from a browser", async () => {
      const ada = await createTestUser(b, "ada");
      const res = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/connect",
        headers: { ...ada.bearer, origin: "https://elsewhere.example" },
      });
      expect(res.statusCode).toBe(200);
    });

    it("an expired or unknown session cookie is refused and cleared", async () => {
      const res = await b.inject({
        method: "GET",
        url: "/api/v1/integrations",
        headers: { cookie: `${SESSION_COOKIE}=${"a".repeat(43)}` },
      });
      expect(res.statusCode).toBe(401);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe("");
    });
  });

  describe(`rate limiting failed attempts on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, { rateLimit: { burst: 5, refillPerSecond: 0.5 } });

    it("answers 429 with Retry-After once an address has failed too often, for keys and login links alike", async () => {
      const ada = await createTestUser(b, "ada");
      for (let i = 0; i < 5; i++) {
        const res = await b.inject({
          method: "GET",
          url: "/api/v1/me",
          headers: { authorization: `Bearer fry_guess${i}` },
        });
        expect(res.statusCode).toBe(401);
      }
      const limited = await b.inject({
        method: "GET",
        url: "/api/v1/me",
        headers: { authorization: "Bearer fry_guess" },
      });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe("rate_limited");
      expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      // A right key from that address is checked and served all the same: only failures are limited, so a flood
      // of bad keys cannot lock out the jobs that share the address.
      expect((await b.inject({ method: "GET", url: "/api/v1/me", headers: ada.bearer })).statusCode).toBe(
        200,
      );
      expect((await b.inject({ method: "GET", url: `/login/${"a".repeat(43)}` })).statusCode).toBe(429);
      // Another address is not affected.
      const elsewhere = await b.inject({
        method: "GET",
        url: "/api/v1/me",
        headers: { authorization: "Bearer fry_guess" },
        remoteAddress: "127.0.0.9",
      });
      expect(elsewhere.statusCode).toBe(401);
      const metrics = (await b.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(/ferry_broker_rate_limited_total [1-9]/);
      expect(metrics).toMatch(/ferry_broker_auth_failures_total\{kind="api_key"\} 7/);
    });

    it("a flood of bad keys from one address, while a valid key from the same address gets 200 every time", async () => {
      const ada = await createTestUser(b, "ada");
      const statuses = { bad: new Map<number, number>(), good: new Map<number, number>() };
      const count = (map: Map<number, number>, status: number) => map.set(status, (map.get(status) ?? 0) + 1);
      for (let round = 0; round < 60; round++) {
        const [bad, good] = await Promise.all([
          b.inject({
            method: "POST",
            url: "/api/v1/integrations/onedrive/token",
            headers: { authorization: `Bearer fry_${"0".repeat(16)}_${"x".repeat(42)}${round % 10}` },
          }),
          b.inject({ method: "GET", url: "/api/v1/me", headers: ada.bearer }),
        ]);
        count(statuses.bad, bad.statusCode);
        count(statuses.good, good.statusCode);
      }
      expect(Object.fromEntries(statuses.good)).toEqual({ 200: 60 });
      expect(statuses.bad.get(429)).toBeGreaterThanOrEqual(50);
      expect([...statuses.bad.keys()].sort()).toEqual([401, 429]);
    });

    it("guesses at one key id are limited from every address, and the key's owner is still served", async () => {
      const ada = await createTestUser(b, "ada");
      const wrongSecret = `fry_${ada.keyId}_${"y".repeat(43)}`;
      const answers: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await b.inject({
          method: "GET",
          url: "/api/v1/me",
          headers: { authorization: `Bearer ${wrongSecret}` },
          // A different address each time: the per-address count never fills; the per-key-id one does.
          remoteAddress: `10.0.0.${i + 1}`,
        });
        answers.push(res.statusCode);
      }
      expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.slice(5)).toEqual([429, 429, 429]);
      const owner = await b.inject({
        method: "GET",
        url: "/api/v1/me",
        headers: ada.bearer,
        remoteAddress: "10.0.0.1",
      });
      expect(owner.statusCode).toBe(200);
    });

    it("a login link posted from another site does not sign the browser in (login CSRF)", async () => {
      const ada = await createTestUser(b, "ada");
      const link = await createLoginLink(b.database.db, { userId: ada.user.id });
      const crossSite: Record<string, string>[] = [
        { "sec-fetch-site": "cross-site" },
        { origin: "https://evil.example" },
      ];
      for (const headers of crossSite) {
        const posted = await redeemLoginLinkForm(b, link.token, headers);
        expect(posted.statusCode).toBe(403);
        expect(posted.json().error.code).toBe("csrf_failed");
        expect(posted.cookies).toEqual([]);
      }
      // Refused before it was used: the link still works from the broker's own page.
      expect((await redeemLoginLinkForm(b, link.token)).statusCode).toBe(303);
    });

    it("login-link guesses count too", async () => {
      for (let i = 0; i < 5; i++) {
        expect((await b.inject({ method: "GET", url: `/login/${"b".repeat(42)}${i}` })).statusCode).toBe(400);
      }
      expect((await b.inject({ method: "GET", url: `/login/${"c".repeat(43)}` })).statusCode).toBe(429);
    });

    it("OAuth state guesses count too: once limited, unknown states get 429 while a real sign-in still finishes", async () => {
      const ada = await createTestUser(b, "ada");
      const flow = await startConnectFlow(b, ada.bearer);
      for (let i = 0; i < 5; i++) {
        const guess = await b.inject({
          method: "GET",
          url: `/integrations/onedrive/callback?code=x&state=${"s".repeat(42)}${i}`,
        });
        expect(guess.statusCode).toBe(400);
      }
      const limited = await b.inject({
        method: "GET",
        url: `/integrations/onedrive/callback?code=x&state=${"t".repeat(43)}`,
      });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(await b.database.db.kysely.selectFrom("connections").selectAll().execute()).toEqual([]);
      // The real answer, in the browser that started it, is checked and goes on as usual.
      expect((await finishConnectFlow(b, flow)).statusCode).toBe(200);
      expect(await b.database.db.kysely.selectFrom("connections").selectAll().execute()).toHaveLength(1);
      expect((await b.inject({ method: "GET", url: "/metrics" })).body).toMatch(
        /ferry_broker_auth_failures_total\{kind="oauth_state"\} 6/,
      );
    });
  });

  describe(`the admin API on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("lets an admin's key create users, keys and login links, and revoke keys", async () => {
      const root = await createTestUser(b, "root", true);
      const created = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users",
        headers: root.bearer,
        payload: { name: "bob" },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json().user).toMatchObject({ name: "bob", isAdmin: false });
      const duplicate = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users",
        headers: root.bearer,
        payload: { name: "bob" },
      });
      expect(duplicate.statusCode).toBe(409);
      const badName = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users",
        headers: root.bearer,
        payload: { name: "no spaces" },
      });
      expect(badName.statusCode).toBe(400);

      const key = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users/bob/keys",
        headers: root.bearer,
        payload: { name: "laptop" },
      });
      expect(key.statusCode).toBe(201);
      const { token, key: info } = key.json();
      expect(token).toMatch(/^fry_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const me = await b.inject({
        method: "GET",
        url: "/api/v1/me",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.json().user.name).toBe("bob");

      const list = await b.inject({
        method: "GET",
        url: "/api/v1/admin/users/bob/keys",
        headers: root.bearer,
      });
      expect(list.json().keys).toEqual([
        expect.objectContaining({ id: info.id, name: "laptop", revokedAt: null }),
      ]);
      expect(list.body).not.toContain(token.slice(-43));

      const revoke = await b.inject({
        method: "DELETE",
        url: `/api/v1/admin/users/bob/keys/${info.id}`,
        headers: root.bearer,
      });
      expect(revoke.statusCode).toBe(204);
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } }))
          .statusCode,
      ).toBe(401);
      expect(
        (
          await b.inject({
            method: "DELETE",
            url: `/api/v1/admin/users/bob/keys/${info.id}`,
            headers: root.bearer,
          })
        ).statusCode,
      ).toBe(404);

      const link = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users/bob/login-links",
        headers: root.bearer,
      });
      expect(link.statusCode).toBe(201);
      const url = new URL(link.json().url);
      expect(url.origin).toBe(PUBLIC_URL);
      expect((await b.inject({ method: "GET", url: url.pathname })).statusCode).toBe(200);
      const loginToken = url.pathname.split("/").at(-1)!;
      expect((await redeemLoginLinkForm(b, loginToken)).statusCode).toBe(303);

      const users = await b.inject({ method: "GET", url: "/api/v1/admin/users", headers: root.bearer });
      expect(users.json().users.map((u: { name: string }) => u.name)).toEqual(["root", "bob"]);
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/admin/users/nobody/keys", headers: root.bearer }))
          .statusCode,
      ).toBe(404);
    });

    it("refuses users who are not admins", async () => {
      const bob = await createTestUser(b, "bob");
      await createUser(b.database.db, { name: "carol" });
      for (const [method, url] of [
        ["GET", "/api/v1/admin/users"],
        ["POST", "/api/v1/admin/users"],
        ["GET", "/api/v1/admin/users/carol/keys"],
        ["POST", "/api/v1/admin/users/carol/keys"],
        ["DELETE", "/api/v1/admin/users/carol/keys/0000000000000000"],
        ["POST", "/api/v1/admin/users/carol/login-links"],
      ] as const) {
        const res = await b.inject({ method, url, headers: bob.bearer, payload: { name: "x" } });
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json().error.code).toBe("forbidden");
      }
    });
  });
}

describe("cookies over https", () => {
  const b = useBroker("sqlite", emulator);

  it("are Secure when FERRY_PUBLIC_URL is https, and named __Host- (Path=/, no Domain)", async () => {
    const home = await mkdtemp(join(tmpdir(), "ferry-https-"));
    // Through the real config loader: Secure and __Host- follow from FERRY_PUBLIC_URL alone.
    const config = {
      ...loadConfig({
        FERRY_HOME: home,
        FERRY_MASTER_KEY: b.masterKey.toBase64(),
        FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
        FERRY_MS_AUTHORITY: b.emu.authority,
        FERRY_GRAPH_URL: b.emu.graphUrl,
        FERRY_PUBLIC_URL: "https://ferry.example",
      }),
      database: b.database.config,
    };
    expect(config).toMatchObject({
      publicUrl: "https://ferry.example",
      redirectUri: "https://ferry.example/integrations/onedrive/callback",
      secureCookies: true,
    });
    const broker = await startBroker(config, { port: 0, logger: { level: "silent" } });
    try {
      const user = await createUser(b.database.db, { name: "secure" });
      const key = await createApiKey(b.database.db, { userId: user.id, name: "test" });
      const link = await createLoginLink(b.database.db, { userId: user.id });
      const login = await redeemLoginLinkForm(broker.app, link.token, {
        "sec-fetch-site": "same-origin",
        origin: "https://ferry.example",
      });
      expect(login.statusCode).toBe(303);
      const session = login.cookies.find((c) => c.name === "__Host-ferry_session");
      expect(session).toMatchObject({ secure: true, httpOnly: true, path: "/", sameSite: "Lax" });
      expect(session?.domain).toBeUndefined();
      expect(login.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
      // The prefixed cookie is the session; the bare name is not read on https.
      const me = (cookie: string) =>
        broker.app.inject({ method: "GET", url: "/api/v1/me", headers: { cookie } });
      expect((await me(`__Host-ferry_session=${session?.value}`)).statusCode).toBe(200);
      expect((await me(`${SESSION_COOKIE}=${session?.value}`)).statusCode).toBe(401);

      // The flow-binding cookie of a connect is __Host- too.
      const started = await broker.app.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/connect",
        headers: { authorization: `Bearer ${key.token}` },
      });
      const token = started.json<{ authorizationUrl: string }>().authorizationUrl.split("/").at(-1)!;
      const bound = await broker.app.inject({
        method: "POST",
        url: "/integrations/onedrive/start",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "sec-fetch-site": "same-origin",
          origin: "https://ferry.example",
        },
        payload: new URLSearchParams({ token }).toString(),
      });
      expect(bound.statusCode).toBe(303);
      const binding = bound.cookies.find((c) => c.name === "__Host-ferry_connect");
      expect(binding).toMatchObject({ secure: true, httpOnly: true, path: "/", sameSite: "Lax" });
      expect(binding?.domain).toBeUndefined();
    } finally {
      await broker.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
