import { describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import { type BrokerUnderTest, createTestUser, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();

async function stored(b: BrokerUnderTest) {
  const db = b.database.db.kysely;
  return {
    states: await db.selectFrom("oauth_states").selectAll().execute(),
    connections: await db.selectFrom("connections").selectAll().execute(),
    users: await db.selectFrom("users").select("name").orderBy("name").execute(),
    keys: await db.selectFrom("api_keys").select("id").orderBy("id").execute(),
  };
}

const JSON_ROUTES = [
  "/api/v1/integrations/onedrive/connect",
  "/api/v1/integrations/onedrive/device",
  "/api/v1/integrations/onedrive/token",
  "/api/v1/admin/users",
  "/api/v1/admin/users/root/keys",
  "/api/v1/admin/users/root/login-links",
];

for (const dialect of DIALECTS) {
  describe(`hostile input on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("malformed JSON, huge bodies, wrong content types and unknown fields get a clear 4xx and store nothing", async () => {
      const root = await createTestUser(b, "root", true);
      const before = await stored(b);
      const cases: {
        what: string;
        status: number;
        code: string;
        headers: Record<string, string>;
        payload: string;
      }[] = [
        {
          what: "malformed JSON",
          status: 400,
          code: "invalid_request",
          headers: { "content-type": "application/json" },
          payload: '{"name": ',
        },
        {
          what: "JSON that is not an object",
          status: 400,
          code: "invalid_request",
          headers: { "content-type": "application/json" },
          payload: "[1,2,3]",
        },
        {
          what: "a huge body",
          status: 413,
          code: "payload_too_large",
          headers: { "content-type": "application/json" },
          payload: JSON.stringify({ name: "x".repeat(100_000) }),
        },
        {
          what: "text/plain",
          status: 415,
          code: "unsupported_media_type",
          headers: { "content-type": "text/plain" },
          payload: "hello",
        },
        {
          what: "a form",
          status: 415,
          code: "unsupported_media_type",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: "name=x",
        },
        {
          what: "multipart",
          status: 415,
          code: "unsupported_media_type",
          headers: { "content-type": "multipart/form-data; boundary=x" },
          payload: "--x--",
        },
        {
          what: "an unknown field",
          status: 400,
          code: "invalid_request",
          headers: { "content-type": "application/json" },
          payload: '{"name":"x","isRoot":true,"evil":1}',
        },
        {
          what: "prototype pollution",
          status: 400,
          code: "invalid_request",
          headers: { "content-type": "application/json" },
          payload: '{"__proto__":{"isAdmin":true}}',
        },
      ];
      for (const route of JSON_ROUTES) {
        for (const c of cases) {
          const res = await b.inject({
            method: "POST",
            url: route,
            headers: { ...root.bearer, ...c.headers },
            payload: c.payload,
          });
          expect(res.statusCode, `${c.what} to ${route}`).toBe(c.status);
          expect(res.json().error.code, `${c.what} to ${route}`).toBe(c.code);
          expect(res.json().error.message.length).toBeGreaterThan(10);
        }
      }
      expect(await stored(b)).toEqual(before);
    });

    it("names the unknown field, and the wrongly typed one", async () => {
      const root = await createTestUser(b, "root", true);
      const unknown = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/connect",
        headers: root.bearer,
        payload: { redirectTo: "https://evil.example" },
      });
      expect(unknown.json().error.message).toContain('Unknown field "redirectTo"');
      const typed = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users",
        headers: root.bearer,
        payload: { name: "x", isAdmin: "yes" },
      });
      expect(typed.statusCode).toBe(400);
      expect(typed.json().error.message).toContain("isAdmin");
    });

    it("the OAuth callback refuses missing, garbage and oversized parameters with a 4xx page", async () => {
      const before = await stored(b);
      for (const query of [
        "",
        "?state=",
        "?code=x",
        "?state=%00%01",
        `?state=${"a".repeat(43)}&code=${"b".repeat(100)}`,
        `?state=${"a".repeat(5000)}`,
        "?state=a&state=b",
        "?error=access_denied",
        `?error=<script>alert(1)</script>&state=${"a".repeat(43)}`,
      ]) {
        const res = await b.inject({ method: "GET", url: `/integrations/onedrive/callback${query}` });
        expect(res.statusCode, query).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, query).toBeLessThan(500);
        expect(res.body).not.toContain("<script>alert");
      }
      expect(await stored(b)).toEqual(before);
    });

    it("login links and unknown routes answer 4xx, never 5xx", async () => {
      for (const url of [
        "/login/",
        "/login/..%2f..",
        `/login/${"x".repeat(500)}`,
        "/login?token=",
        "/login?token[]=a",
        "/api/v1/nope",
        "/api/v1/integrations/dropbox/token",
      ]) {
        const res = await b.inject({ method: "GET", url });
        expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, url).toBeLessThan(500);
      }
      const head = await b.inject({ method: "PUT", url: "/api/v1/integrations/onedrive/token" });
      expect(head.statusCode).toBe(404);
      expect(head.json().error.code).toBe("not_found");
    });

    it("unauthenticated requests are refused before their body is read", async () => {
      const res = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users",
        headers: { "content-type": "application/json" },
        payload: "{not json",
      });
      expect(res.statusCode).toBe(401);
    });
  });
}
