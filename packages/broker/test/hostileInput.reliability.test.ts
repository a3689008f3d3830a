import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { recordFigure, recordFigures } from "../../../reliability/figures.ts";
import { createLoginLink, type Dialect, SESSION_COOKIE } from "../src/index.ts";
import { hashToken } from "../src/tokens.ts";
import { DIALECTS } from "./helpers.ts";
import {
  answerConfirmation,
  authorize,
  type BrokerUnderTest,
  bindFlow,
  createTestUser,
  finishConnectFlow,
  PUBLIC_URL,
  signIn,
  startConnectFlow,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

// Every hostile input this file sends must be answered with a 4xx that says what is wrong, never a 5xx, and must
// leave every table as it was. Each request goes through `refused`, which checks that and counts it; the counts
// are the "hostile input" figures. Neighbouring tests cover some of the same ground with other aims, and are
// not repeated here beyond what the count needs:
//   connectFlow.test.ts     "refuses a missing, unknown, replayed or expired state, and stores nothing" and
//                           "a PKCE verifier mismatch is refused by Microsoft, shown clearly, and stores nothing"
//                           (a forged verifier in the row; here the codes of two real flows are swapped instead)
//   isolation.test.ts       one user's flow finished in another user's browser or page session
//   authAndSessions.test.ts CSRF on the five user routes, rate limiting, the admin API refusing non-admins

const emulator = useEmulator();

// Rate limiting (authAndSessions.test.ts) would turn the later refusals of a test into 429s before their own
// check ran, hiding what is being tested; this file sends far more failures than the default burst allows.
const NO_RATE_LIMIT = { rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 } };

interface Tally {
  refused4xx: number;
  answered5xx: number;
  rowsWritten: number;
}
const tallies = new Map<Dialect, Tally>(
  DIALECTS.map((d) => [d, { refused4xx: 0, answered5xx: 0, rowsWritten: 0 }]),
);
let redirectsChecked = 0;
let redirectsElsewhere = 0;

/** Counts a redirect the browser would follow, and whether it stays on the broker's own page (a path, not `//…`). */
function expectOwnPage(location: unknown, expected: string | RegExp): void {
  redirectsChecked++;
  if (typeof location !== "string" || !location.startsWith("/") || location.startsWith("//"))
    redirectsElsewhere++;
  if (typeof expected === "string") expect(location).toBe(expected);
  else expect(location).toMatch(expected);
}

/**
 * Every row of every table, as JSON, minus bookkeeping a refusal may legitimately touch: an API key's
 * last-use stamp (set by any authenticated request, at most once a minute), and a sign-in's `used_at`, verifier
 * and outcome, which a refused callback sets so the same answer cannot be tried twice. Those record the refusal;
 * nothing the request carried is kept.
 */
async function snapshot(b: BrokerUnderTest): Promise<Map<string, Set<string>>> {
  const db = b.database.db.kysely;
  const tables: [string, unknown[]][] = [
    ["users", await db.selectFrom("users").selectAll().execute()],
    [
      "api_keys",
      await db
        .selectFrom("api_keys")
        .select(["id", "user_id", "name", "secret_hash", "revoked_at"])
        .execute(),
    ],
    ["login_links", await db.selectFrom("login_links").selectAll().execute()],
    ["sessions", await db.selectFrom("sessions").selectAll().execute()],
    [
      "oauth_states",
      await db
        .selectFrom("oauth_states")
        .select([
          "id",
          "user_id",
          "state_hash",
          "flow",
          "redirect_to",
          "created_at",
          "expires_at",
          "start_token_hash",
          "bound_at",
          "binding_hash",
          "pending_expires_at",
        ])
        .execute(),
    ],
    ["connections", await db.selectFrom("connections").selectAll().execute()],
    ["audit_events", await db.selectFrom("audit_events").selectAll().execute()],
    ["secrets", await db.selectFrom("secrets").selectAll().execute()],
  ];
  return new Map(tables.map(([name, rows]) => [name, new Set(rows.map((r) => JSON.stringify(r)))]));
}

/** Rows added, changed or deleted between two snapshots, by table. */
function written(before: Map<string, Set<string>>, after: Map<string, Set<string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [table, rows] of after) {
    const old = before.get(table) ?? new Set();
    const changed = [...rows].filter((r) => !old.has(r)).length + [...old].filter((r) => !rows.has(r)).length;
    if (changed > 0) out[table] = changed;
  }
  return out;
}

/** Runs `body`, then asserts (and tallies) that no table changed. */
async function storesNothing(b: BrokerUnderTest, dialect: Dialect, body: () => Promise<void>): Promise<void> {
  const before = await snapshot(b);
  await body();
  const changed = written(before, await snapshot(b));
  tallies.get(dialect)!.rowsWritten += Object.values(changed).reduce((a, n) => a + n, 0);
  expect(changed).toEqual({});
}

interface Expected {
  status?: number;
  /** The API error code (JSON answers). */
  code?: string;
  /** Text the answer must contain: the "clear" in "a clear error". */
  says?: string | RegExp;
}

/**
 * Sends one hostile request and checks it was refused: a 4xx, never a 5xx, with an error that says something. API
 * answers are `{ error: { code, message } }`; browser routes answer an HTML page with the reason in a paragraph.
 */
async function refused(
  b: BrokerUnderTest,
  dialect: Dialect,
  what: string,
  request: InjectOptions,
  expected: Expected = {},
): Promise<LightMyRequestResponse> {
  const res = await b.inject(request);
  const tally = tallies.get(dialect)!;
  if (res.statusCode >= 500) tally.answered5xx++;
  expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (expected.status !== undefined) expect(res.statusCode, what).toBe(expected.status);
  if (String(res.headers["content-type"]).startsWith("application/json")) {
    const error = res.json<{ error: { code: unknown; message: unknown } }>().error;
    expect(typeof error.code, what).toBe("string");
    expect(typeof error.message, what).toBe("string");
    expect((error.message as string).length, what).toBeGreaterThan(20);
    if (expected.code !== undefined) expect(error.code, what).toBe(expected.code);
  } else {
    expect(res.headers["content-type"], what).toMatch(/^text\/html/);
    expect(res.body, what).toMatch(/<p>[^<]{20,}/);
    expect(expected.code, `${what}: an HTML answer has no error code to compare`).toBeUndefined();
  }
  if (expected.says !== undefined) {
    if (typeof expected.says === "string") expect(res.body, what).toContain(expected.says);
    else expect(res.body, what).toMatch(expected.says);
  }
  tally.refused4xx++;
  return res;
}

/** Starts a sign-in with `headers` and follows it at the emulator; returns the callback path, state and code. */
const CALLBACK = "/integrations/onedrive/callback";

/** Every route that changes something, by method and URL pattern (as Fastify prints them). */
const STATE_CHANGING_ROUTES = [
  "POST /login",
  "POST /integrations/onedrive/start",
  "POST /integrations/onedrive/confirm",
  "POST /api/v1/logout",
  "DELETE /api/v1/integrations/onedrive",
  "POST /api/v1/integrations/onedrive/connect",
  "POST /api/v1/integrations/onedrive/device",
  "POST /api/v1/integrations/onedrive/token",
  "POST /api/v1/admin/users",
  "POST /api/v1/admin/users/:user/keys",
  "DELETE /api/v1/admin/users/:user/keys/:keyId",
  "POST /api/v1/admin/users/:user/login-links",
  "PUT /api/v1/secrets/:name",
  "DELETE /api/v1/secrets/:name",
  "POST /api/v1/onedrive/folders",
  "POST /api/v1/onedrive/rename",
  "DELETE /api/v1/onedrive/item",
  "POST /api/v1/onedrive/uploads",
  "PUT /api/v1/onedrive/uploads/:uploadId",
  "DELETE /api/v1/onedrive/uploads/:uploadId",
];

/**
 * The routes the app serves, read from Fastify's route tree, so that a state-changing route added later without
 * being added above fails the test instead of going untested. Tree lines read `│   ├── /segment (POST, GET)`.
 */
function servedRoutes(tree: string): string[] {
  const path: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│\s]*)[├└]── (\S+) \(([^)]*)\)$/u.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    path.length = depth;
    path.push(match[2]!);
    for (const method of match[3]!.split(", ")) routes.push(`${method} ${path.join("")}`);
  }
  return routes;
}

const JSON_ROUTES = [
  "/api/v1/integrations/onedrive/connect",
  "/api/v1/integrations/onedrive/device",
  "/api/v1/integrations/onedrive/token",
  "/api/v1/logout",
  "/api/v1/admin/users",
  "/api/v1/admin/users/root/keys",
  "/api/v1/admin/users/root/login-links",
];

for (const dialect of DIALECTS) {
  describe(`hostile input on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, NO_RATE_LIMIT);

    it("malformed JSON, huge bodies, wrong content types and unknown fields get a clear 4xx and store nothing", async () => {
      const root = await createTestUser(b, "root", true);
      const json = { "content-type": "application/json" };
      const cases: {
        what: string;
        status: number;
        code: string;
        headers: Record<string, string>;
        payload: string;
      }[] = [
        { what: "malformed JSON", status: 400, code: "invalid_request", headers: json, payload: '{"name": ' },
        {
          what: "JSON that is an array",
          status: 400,
          code: "invalid_request",
          headers: json,
          payload: "[1,2,3]",
        },
        { what: "JSON that is a number", status: 400, code: "invalid_request", headers: json, payload: "12" },
        {
          what: "JSON nested 7,000 deep",
          status: 400,
          code: "invalid_request",
          headers: json,
          payload: `{"name":${"[".repeat(7000)}${"]".repeat(7000)}}`,
        },
        {
          what: "a 100 kB body",
          status: 413,
          code: "payload_too_large",
          headers: json,
          payload: JSON.stringify({ name: "x".repeat(100_000) }),
        },
        {
          what: "a 2 MB body",
          status: 413,
          code: "payload_too_large",
          headers: json,
          payload: JSON.stringify({ name: "x".repeat(2_000_000) }),
        },
        {
          what: "a Content-Length shorter than the body",
          status: 400,
          code: "invalid_request",
          headers: { ...json, "content-length": "3" },
          payload: '{"name":"x"}',
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
          what: "a JSON-looking vendor type",
          status: 415,
          code: "unsupported_media_type",
          headers: { "content-type": "application/vnd.api+json" },
          payload: '{"name":"x"}',
        },
        {
          what: "a list of content types",
          status: 415,
          code: "unsupported_media_type",
          headers: { "content-type": "application/json, text/html" },
          payload: '{"name":"x"}',
        },
        {
          what: "an unknown field",
          status: 400,
          code: "invalid_request",
          headers: json,
          payload: '{"name":"x","isRoot":true,"evil":1}',
        },
        {
          what: "prototype pollution through __proto__",
          status: 400,
          code: "invalid_request",
          headers: json,
          payload: '{"__proto__":{"isAdmin":true}}',
        },
        {
          what: "prototype pollution through constructor.prototype",
          status: 400,
          code: "invalid_request",
          headers: json,
          payload: '{"constructor":{"prototype":{"isAdmin":true}}}',
        },
      ];
      await storesNothing(b, dialect, async () => {
        for (const route of JSON_ROUTES) {
          for (const c of cases) {
            await refused(
              b,
              dialect,
              `${c.what} to ${route}`,
              { method: "POST", url: route, headers: { ...root.bearer, ...c.headers }, payload: c.payload },
              { status: c.status, code: c.code },
            );
          }
        }
      });
      // The prototype was not touched either.
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it("names the unknown field, and the wrongly typed one", async () => {
      const root = await createTestUser(b, "root", true);
      await storesNothing(b, dialect, async () => {
        await refused(
          b,
          dialect,
          "a redirect target smuggled into connect",
          {
            method: "POST",
            url: "/api/v1/integrations/onedrive/connect",
            headers: root.bearer,
            payload: { redirectTo: "https://evil.example" },
          },
          { status: 400, code: "invalid_request", says: 'Unknown field \\"redirectTo\\"' },
        );
        await refused(
          b,
          dialect,
          "isAdmin as a string",
          {
            method: "POST",
            url: "/api/v1/admin/users",
            headers: root.bearer,
            payload: { name: "x", isAdmin: "yes" },
          },
          { status: 400, code: "invalid_request", says: "isAdmin" },
        );
        await refused(
          b,
          dialect,
          "staleExpiresAt that is not a date",
          {
            method: "POST",
            url: "/api/v1/integrations/onedrive/token",
            headers: root.bearer,
            payload: { staleExpiresAt: "2026-99-99T99:99:99Z" },
          },
          { status: 400, code: "invalid_request", says: "staleExpiresAt" },
        );
        await refused(
          b,
          dialect,
          "a 300-character login hint",
          {
            method: "POST",
            url: "/api/v1/integrations/onedrive/connect",
            headers: root.bearer,
            payload: { loginHint: "x".repeat(300) },
          },
          { status: 400, code: "invalid_request", says: "loginHint" },
        );
      });
    });

    it("names and ids that no user or key can have are a 400, on PostgreSQL too (where a NUL reached the query as a 500)", async () => {
      const root = await createTestUser(b, "root", true);
      await storesNothing(b, dialect, async () => {
        for (const [method, url] of [
          ["GET", "/api/v1/admin/users/%00/keys"],
          ["POST", "/api/v1/admin/users/%00/keys"],
          ["POST", "/api/v1/admin/users/%00/login-links"],
          ["GET", "/api/v1/admin/users/..%2f..%2f/keys"],
          ["GET", `/api/v1/admin/users/${"x".repeat(65)}/keys`],
          ["DELETE", "/api/v1/admin/users/root/keys/%00"],
          ["DELETE", "/api/v1/admin/users/root/keys/..%2f"],
          ["DELETE", `/api/v1/admin/users/root/keys/${"k".repeat(65)}`],
        ] as const) {
          await refused(
            b,
            dialect,
            `${method} ${url}`,
            // A valid body where one is needed, so only the URL parameter is wrong.
            {
              method,
              url,
              headers: root.bearer,
              ...(url.endsWith("/keys") && method === "POST" ? { payload: { name: "x" } } : {}),
            },
            { status: 400, code: "invalid_request", says: /params field \\"(user|keyId)\\"/ },
          );
        }
        for (const name of ["a\u0000b", "\u001b[2J\u001b[31mowned", "bell\u0007", "half \ud800 surrogate"]) {
          await refused(
            b,
            dialect,
            `a key name ${JSON.stringify(name)}`,
            { method: "POST", url: "/api/v1/admin/users/root/keys", headers: root.bearer, payload: { name } },
            { status: 400, code: "invalid_request", says: "without control characters" },
          );
        }
        // A malformed escape is refused by the router itself; it still answers in the API's error shape.
        for (const method of ["GET", "POST", "DELETE"] as const) {
          await refused(
            b,
            dialect,
            `${method} with a malformed percent-escape`,
            { method, url: "/api/v1/admin/users/root/keys/%ZZ", headers: root.bearer },
            { status: 400, code: "invalid_request", says: "percent-escape" },
          );
        }
      });
    });

    it("the OAuth callback refuses missing, garbage and oversized parameters with a 4xx page", async () => {
      await storesNothing(b, dialect, async () => {
        for (const query of [
          "",
          "?state=",
          "?code=x",
          "?state=%00%01",
          "?state=%ZZ",
          "?state[]=a",
          `?state=${"a".repeat(43)}&code=${"b".repeat(100)}`,
          `?state=${"a".repeat(5000)}`,
          "?state=a&state=b",
          "?state=a&code=b&code=c",
          "?error=access_denied",
          `?error=${"x".repeat(5000)}`,
          `?error=<script>alert(1)</script>&state=${"a".repeat(43)}`,
        ]) {
          const res = await refused(b, dialect, `callback${query.slice(0, 80)}`, {
            method: "GET",
            url: `${CALLBACK}${query}`,
          });
          expect(res.body, query).not.toContain("<script>alert");
        }
      });
    });

    it("the callback's state and code: missing, unknown, replayed, expired, another user's, or swapped between flows, each a 4xx page that stores no connection", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const bobSession = await signIn(b, bob.user);
      const asPage = {
        "sec-fetch-dest": "document",
        "sec-fetch-mode": "navigate",
        "sec-fetch-site": "cross-site",
      };
      const page = (what: string, url: string, expected: Expected, cookie?: string, dest = asPage) =>
        refused(
          b,
          dialect,
          what,
          { method: "GET", url, headers: { ...dest, ...(cookie ? { cookie } : {}) } },
          expected,
        );

      // Flows started with API keys (as `ferry … connect` does) end on a page, so every refusal is a 4xx page. Each
      // is bound to its own browser (its own binding cookie), as if opened on different machines.
      const a = await startConnectFlow(b, ada.bearer);
      const noCode = await startConnectFlow(b, ada.bearer);
      const garbage = await startConnectFlow(b, ada.bearer);
      const expiring = await startConnectFlow(b, ada.bearer);
      const swapOne = await startConnectFlow(b, ada.bearer);
      const swapTwo = await startConnectFlow(b, bob.bearer);
      const bobs = await startConnectFlow(b, bob.bearer, "personal2");
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ expires_at: Date.now() - 1 })
        .where("state_hash", "=", hashToken(expiring.state))
        .execute();

      await storesNothing(b, dialect, async () => {
        await page("a code without a state", `${CALLBACK}?code=${a.code}`, {
          status: 400,
          says: "carries no state",
        });
        await page(
          "an unknown state",
          `${CALLBACK}?code=${a.code}&state=${randomBytes(32).toString("base64url")}`,
          {
            status: 400,
            says: "does not belong to any sign-in",
          },
        );
        // Connection injection: ada's real answer reaches a browser that did not start her flow. Nothing is used up.
        await page("ada's real answer in a browser with no cookie at all", a.callback, {
          status: 403,
          says: "did not start this OneDrive connection",
        });
        await page(
          "ada's real answer in a browser bound to another of her flows",
          a.callback,
          { status: 403, says: "did not start this OneDrive connection" },
          noCode.cookie,
        );
        await page(
          "ada's real answer in a browser bound to bob's flow",
          a.callback,
          { status: 403, says: "did not start this OneDrive connection" },
          bobs.cookie,
        );
        for (const [what, dest] of [
          [
            "an <img>",
            { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors", "sec-fetch-site": "cross-site" },
          ],
          [
            "an <iframe>",
            { "sec-fetch-dest": "iframe", "sec-fetch-mode": "navigate", "sec-fetch-site": "cross-site" },
          ],
          [
            "fetch()",
            { "sec-fetch-dest": "empty", "sec-fetch-mode": "cors", "sec-fetch-site": "cross-site" },
          ],
        ] as const) {
          // Even carrying the right cookie (a same-site page could), a sub-resource never finishes a sign-in.
          await page(
            `ada's real answer loaded as ${what}`,
            a.callback,
            { status: 403, says: "inside another page" },
            a.cookie,
            dest,
          );
        }
        await page(
          "a state without a code",
          `${CALLBACK}?state=${noCode.state}`,
          { status: 400, says: "carries no authorization code" },
          noCode.cookie,
        );
        await page(
          "the same state again, now with its code (replayed after a refusal)",
          noCode.callback,
          { status: 400, says: "already completed or cancelled" },
          noCode.cookie,
        );
        await page(
          "a real state with a made-up code",
          `${CALLBACK}?state=${garbage.state}&code=${"c".repeat(40)}`,
          { status: 400, says: "Microsoft refused to finish the sign-in" },
          garbage.cookie,
        );
        await page("an expired state", expiring.callback, { status: 400, says: "expired" }, expiring.cookie);
        await page(
          "ada's sign-in answer in bob's browser (a state that belongs to another user)",
          a.callback,
          { status: 403, says: "another Ferry user" },
          bobSession.cookie,
        );
        // Authorization-code injection: a code from one flow with another flow's state. The code was issued for
        // the other flow's PKCE challenge, so Microsoft refuses the verifier (AADSTS501481).
        await page(
          "ada's code with another of ada's states (PKCE verifier mismatch)",
          `${CALLBACK}?state=${swapOne.state}&code=${a.code}`,
          { status: 400, says: "AADSTS501481" },
          swapOne.cookie,
        );
        await page(
          "bob's code (his Microsoft account) with one of bob's states",
          `${CALLBACK}?state=${swapTwo.state}&code=${bobs.code}`,
          { status: 400, says: "AADSTS501481" },
          swapTwo.cookie,
        );
        expect(await b.database.db.kysely.selectFrom("connections").selectAll().execute()).toEqual([]);
      });

      // Ada's first flow was never consumed by the refusals: it completes, once, in its own browser.
      const done = await finishConnectFlow(b, a);
      expect(done.statusCode).toBe(200);
      await storesNothing(b, dialect, async () => {
        await page(
          "a completed sign-in replayed",
          a.callback,
          { status: 400, says: "already completed" },
          a.cookie,
        );
        await page(
          "a completed sign-in replayed in another user's browser",
          a.callback,
          { status: 403, says: "another Ferry user" },
          bobSession.cookie,
        );
        await page(
          "a completed state with a fresh code",
          `${CALLBACK}?state=${a.state}&code=${bobs.code}`,
          { status: 400, says: "already completed" },
          a.cookie,
        );
      });
    });

    it("the start link and the confirmation: as an image or frame, cross-site, in another browser, unknown, replayed, forged, each a 4xx that binds and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const bobSession = await signIn(b, bob.user);
      const asPage = {
        "sec-fetch-dest": "document",
        "sec-fetch-mode": "navigate",
        "sec-fetch-site": "cross-site",
      };
      const connect = async () =>
        (
          await b.inject({
            method: "POST",
            url: "/api/v1/integrations/onedrive/connect",
            headers: ada.bearer,
          })
        ).json<{
          authorizationUrl: string;
        }>().authorizationUrl;
      const link = new URL(await connect()).pathname;
      const token = link.split("/").at(-1)!;
      const continueWith = (
        headers: Record<string, string>,
        body = new URLSearchParams({ token }).toString(),
      ) => ({
        method: "POST" as const,
        url: "/integrations/onedrive/start",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: body,
      });
      // A flow of ada's that waits at its confirmation, in ada's browser.
      const waiting = await startConnectFlow(b, ada.bearer);
      const callback = await b.inject({
        method: "GET",
        url: waiting.callback,
        headers: { ...asPage, cookie: waiting.cookie },
      });
      expect(callback.statusCode).toBe(303);
      const confirmUrl = String(callback.headers.location);
      const confirmPage = await b.inject({
        method: "GET",
        url: confirmUrl,
        headers: { ...asPage, cookie: waiting.cookie },
      });
      expect(confirmPage.statusCode).toBe(200);
      const flowId = /name="flow" value="([^"]+)"/.exec(confirmPage.body)![1]!;
      const csrf = /name="csrf" value="([^"]+)"/.exec(confirmPage.body)![1]!;
      const confirmWith = (headers: Record<string, string>, fields: Record<string, string>) => ({
        method: "POST" as const,
        url: "/integrations/onedrive/confirm",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
      const sameOrigin = { origin: PUBLIC_URL, "sec-fetch-site": "same-origin" };

      await storesNothing(b, dialect, async () => {
        for (const [what, dest] of [
          ["an <img>", { "sec-fetch-dest": "image", "sec-fetch-mode": "no-cors" }],
          ["an <iframe>", { "sec-fetch-dest": "iframe", "sec-fetch-mode": "navigate" }],
          ["a <script>", { "sec-fetch-dest": "script", "sec-fetch-mode": "no-cors" }],
          ["fetch()", { "sec-fetch-dest": "empty", "sec-fetch-mode": "cors" }],
        ] as const) {
          await refused(
            b,
            dialect,
            `the start link loaded as ${what}`,
            { method: "GET", url: link, headers: { ...dest, "sec-fetch-site": "cross-site" } },
            {
              status: 403,
              says: "only works when opened as a page",
            },
          );
        }
        await refused(
          b,
          dialect,
          "the start link in a browser signed in as another Ferry user",
          { method: "GET", url: link, headers: { ...asPage, cookie: bobSession.cookie } },
          {
            status: 403,
            says: "belongs to another Ferry user",
          },
        );
        await refused(
          b,
          dialect,
          "an unknown start link",
          {
            method: "GET",
            url: `/integrations/onedrive/start/${randomBytes(32).toString("base64url")}`,
            headers: asPage,
          },
          {
            status: 400,
            says: "does not belong to any OneDrive connection",
          },
        );
        await refused(
          b,
          dialect,
          "a start link with a malformed token",
          { method: "GET", url: "/integrations/onedrive/start/%00..%2f", headers: asPage },
          { status: 400 },
        );
        for (const [what, headers] of [
          ["a cross-site Origin", { origin: "https://evil.example" }],
          ["Origin: null (a sandboxed frame)", { origin: "null" }],
          ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
          ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
        ] as const) {
          await refused(b, dialect, `Continue posted with ${what}`, continueWith(headers), {
            status: 403,
            code: "csrf_failed",
          });
        }
        await refused(
          b,
          dialect,
          "Continue from a browser signed in as another Ferry user",
          continueWith({ ...sameOrigin, cookie: bobSession.cookie }),
          {
            status: 403,
            says: "belongs to another Ferry user",
          },
        );
        await refused(
          b,
          dialect,
          "Continue with an unknown token",
          continueWith(sameOrigin, new URLSearchParams({ token: "x".repeat(43) }).toString()),
          {
            status: 400,
          },
        );
        await refused(
          b,
          dialect,
          "Continue with an extra field",
          continueWith(sameOrigin, new URLSearchParams({ token, next: "https://evil.example" }).toString()),
          {
            status: 400,
          },
        );

        await refused(
          b,
          dialect,
          "the confirmation page in a browser that did not start the flow",
          { method: "GET", url: confirmUrl, headers: asPage },
          {
            status: 403,
            says: "waiting for the browser that started it",
          },
        );
        await refused(
          b,
          dialect,
          "the confirmation page in bob's browser",
          { method: "GET", url: confirmUrl, headers: { ...asPage, cookie: bobSession.cookie } },
          {
            status: 403,
          },
        );
        await refused(
          b,
          dialect,
          "the confirmation page as an <iframe>",
          {
            method: "GET",
            url: confirmUrl,
            headers: { "sec-fetch-dest": "iframe", "sec-fetch-mode": "navigate", cookie: waiting.cookie },
          },
          {
            status: 403,
          },
        );
        const fields = { flow: flowId, csrf, decision: "connect" };
        for (const [what, headers] of [
          ["a cross-site Origin", { cookie: waiting.cookie, origin: "https://evil.example" }],
          ["Sec-Fetch-Site: cross-site", { cookie: waiting.cookie, "sec-fetch-site": "cross-site" }],
        ] as const) {
          await refused(b, dialect, `Connect posted with ${what}`, confirmWith(headers, fields), {
            status: 403,
            code: "csrf_failed",
          });
        }
        await refused(
          b,
          dialect,
          "Connect posted without the binding cookie",
          confirmWith(sameOrigin, fields),
          { status: 403, says: "waiting for the browser that started it" },
        );
        await refused(
          b,
          dialect,
          "Connect posted from bob's browser",
          confirmWith({ ...sameOrigin, cookie: bobSession.cookie }, fields),
          { status: 403 },
        );
        await refused(
          b,
          dialect,
          "Connect posted with a made-up CSRF token",
          confirmWith({ ...sameOrigin, cookie: waiting.cookie }, { ...fields, csrf: "x".repeat(43) }),
          {
            status: 403,
            says: "did not come from the page",
          },
        );
        await refused(
          b,
          dialect,
          "Connect posted with no CSRF token",
          confirmWith({ ...sameOrigin, cookie: waiting.cookie }, { flow: flowId, decision: "connect" }),
          { status: 400 },
        );
        await refused(
          b,
          dialect,
          "an unknown decision",
          confirmWith({ ...sameOrigin, cookie: waiting.cookie }, { ...fields, decision: "maybe" }),
          { status: 400 },
        );
        await refused(
          b,
          dialect,
          "an unknown flow",
          confirmWith(
            { ...sameOrigin, cookie: waiting.cookie },
            { ...fields, flow: "00000000-0000-4000-8000-000000000000" },
          ),
          {
            status: 400,
          },
        );
        expect(await b.database.db.kysely.selectFrom("connections").selectAll().execute()).toEqual([]);
      });
      // The real answer from the real page goes through, once.
      const connected = await answerConfirmation(b, confirmPage.body, waiting.cookie, "connect");
      expect(connected.statusCode).toBe(200);
      // The start link was never used by the refusals above, and works once.
      await bindFlow(b, `${PUBLIC_URL}${link}`);
      await storesNothing(b, dialect, async () => {
        await refused(
          b,
          dialect,
          "Connect pressed again",
          confirmWith({ ...sameOrigin, cookie: waiting.cookie }, { flow: flowId, csrf, decision: "connect" }),
          {
            status: 400,
            says: "already confirmed or cancelled",
          },
        );
        await refused(
          b,
          dialect,
          "a start link opened a second time",
          { method: "GET", url: link, headers: asPage },
          { status: 400, says: "already opened" },
        );
      });
    });

    // The callback tests above rely on this: a test double that accepted any verifier would let them pass for nothing.
    it("the emulator refuses a wrong or missing PKCE code_verifier as Microsoft does (AADSTS501481, AADSTS50148)", async () => {
      const ada = await createTestUser(b, "ada");
      const flow = await startConnectFlow(b, ada.bearer);
      const redeem = (verifier: string | undefined) =>
        fetch(`${b.emu.authority}/common/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            client_id: DEV_CLIENT_ID,
            code: flow.code,
            redirect_uri: `${PUBLIC_URL}${CALLBACK}`,
            ...(verifier === undefined ? {} : { code_verifier: verifier }),
          }),
        });
      const wrong = await redeem(randomBytes(32).toString("base64url"));
      expect(wrong.status).toBe(400);
      const body = (await wrong.json()) as {
        error: string;
        error_description: string;
        error_codes: number[];
      };
      expect(body.error).toBe("invalid_grant");
      expect(body.error_description).toMatch(/^AADSTS501481:/);
      expect(body.error_codes).toEqual([501481]);
      const missing = await redeem(undefined);
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error_description: string }).error_description).toMatch(
        /^AADSTS50148:/,
      );
    });

    it("cookie-less and cross-site requests to every state-changing route are refused, and change nothing", async () => {
      expect(
        servedRoutes(b.broker.app.printRoutes({ commonPrefix: false }))
          .filter((r) => !/^(GET|HEAD) /.test(r))
          .sort(),
      ).toEqual([...STATE_CHANGING_ROUTES].sort());
      const root = await createTestUser(b, "root", true);
      const bob = await createTestUser(b, "bob");
      // Something to lose: root is connected, and each route would change something if it were let through.
      await b.emu.admin.settings({ autoConsent: "personal" });
      const connected = await startConnectFlow(b, root.bearer);
      expect((await finishConnectFlow(b, connected)).statusCode).toBe(200);
      const session = await signIn(b, root.user);
      const bobSession = await signIn(b, bob.user);
      const kept = await b.inject({
        method: "PUT",
        url: "/api/v1/secrets/ROOT_SECRET",
        headers: root.bearer,
        payload: { value: "root's value" },
      });
      expect(kept.statusCode).toBe(200);
      const upload = "u".repeat(32);
      const routes: { method: "POST" | "PUT" | "DELETE"; url: string; payload?: Record<string, unknown> }[] =
        [
          { method: "POST", url: "/api/v1/onedrive/folders", payload: { parent: "", name: "evil" } },
          { method: "POST", url: "/api/v1/onedrive/rename", payload: { path: "a", name: "evil" } },
          { method: "DELETE", url: "/api/v1/onedrive/item?path=a" },
          {
            method: "POST",
            url: "/api/v1/onedrive/uploads",
            payload: { path: "evil.bin", size: 1, overwrite: true },
          },
          { method: "PUT", url: `/api/v1/onedrive/uploads/${upload}` },
          { method: "DELETE", url: `/api/v1/onedrive/uploads/${upload}` },
          { method: "POST", url: "/api/v1/logout" },
          { method: "DELETE", url: "/api/v1/integrations/onedrive" },
          { method: "POST", url: "/api/v1/integrations/onedrive/connect" },
          { method: "POST", url: "/api/v1/integrations/onedrive/device" },
          { method: "POST", url: "/api/v1/integrations/onedrive/token" },
          { method: "POST", url: "/api/v1/admin/users", payload: { name: "mallory", isAdmin: true } },
          { method: "POST", url: "/api/v1/admin/users/bob/keys", payload: { name: "stolen" } },
          { method: "DELETE", url: `/api/v1/admin/users/bob/keys/${bob.keyId}` },
          { method: "POST", url: "/api/v1/admin/users/bob/login-links" },
          { method: "PUT", url: "/api/v1/secrets/ROOT_SECRET", payload: { value: "planted" } },
          { method: "DELETE", url: "/api/v1/secrets/ROOT_SECRET" },
        ];
      const crossSite = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
      const noCookie: [string, Record<string, string>, number, string][] = [
        ["no credentials at all", {}, 401, "unauthorized"],
        ["a cross-site page without the cookie", crossSite, 401, "unauthorized"],
        [
          "the CSRF token alone, without the cookie",
          { "x-csrf-token": session.csrfToken },
          401,
          "unauthorized",
        ],
        [
          "an ended session's cookie",
          {
            cookie: `${SESSION_COOKIE}=${randomBytes(32).toString("base64url")}`,
            "x-csrf-token": session.csrfToken,
          },
          401,
          "unauthorized",
        ],
        ["an API key in the cookie", { cookie: `${SESSION_COOKIE}=${root.key}` }, 401, "unauthorized"],
      ];
      const withCookie: [string, Record<string, string>][] = [
        ["no X-CSRF-Token", { cookie: session.cookie, origin: PUBLIC_URL }],
        ["a made-up X-CSRF-Token", { cookie: session.cookie, "x-csrf-token": "x".repeat(43) }],
        ["another session's X-CSRF-Token", { cookie: session.cookie, "x-csrf-token": bobSession.csrfToken }],
        [
          "the cookie's token from a cross-site Origin",
          { ...session.headers, origin: "https://evil.example" },
        ],
        [
          "the cookie's token from a look-alike Origin",
          { ...session.headers, origin: `${PUBLIC_URL}.evil.example` },
        ],
        ["the cookie's token with Origin: null (a sandboxed frame)", { ...session.headers, origin: "null" }],
        [
          "the cookie's token with Sec-Fetch-Site: cross-site",
          { ...session.headers, "sec-fetch-site": "cross-site" },
        ],
        [
          "the cookie's token with Sec-Fetch-Site: same-site",
          { ...session.headers, "sec-fetch-site": "same-site" },
        ],
      ];
      const bobsLink = await createLoginLink(b.database.db, { userId: bob.user.id });
      const loginCsrf: [string, Record<string, string>][] = [
        ["a cross-site Origin", { origin: "https://evil.example" }],
        ["a look-alike Origin", { origin: `${PUBLIC_URL}.evil.example` }],
        ["Origin: null (a sandboxed frame)", { origin: "null" }],
        ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
        ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
      ];
      await storesNothing(b, dialect, async () => {
        // Login CSRF: another site posts a valid login link to sign this browser in as the link's user.
        for (const [what, headers] of loginCsrf) {
          await refused(
            b,
            dialect,
            `POST /login with ${what}`,
            {
              method: "POST",
              url: "/login",
              headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
              payload: new URLSearchParams({ token: bobsLink.token }).toString(),
            },
            { status: 403, code: "csrf_failed" },
          );
        }
        for (const route of routes) {
          const send = (headers: Record<string, string>) => ({
            method: route.method,
            url: route.url,
            headers,
            ...(route.payload ? { payload: route.payload } : {}),
          });
          for (const [what, headers, status, code] of noCookie) {
            await refused(b, dialect, `${route.method} ${route.url} with ${what}`, send(headers), {
              status,
              code,
            });
          }
          for (const [what, headers] of withCookie) {
            await refused(b, dialect, `${route.method} ${route.url} with ${what}`, send(headers), {
              status: 403,
              code: "csrf_failed",
            });
          }
        }
      });
      // The same session, with its token, from the broker's own page, is let through: the refusals were the CSRF check.
      const real = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users/bob/login-links",
        headers: session.headers,
      });
      expect(real.statusCode).toBe(201);
      // Nor can another site frame the page to make its user click its own buttons (clickjacking).
      for (const url of ["/", "/api/v1/session", CALLBACK]) {
        const res = await b.inject({ method: "GET", url, headers: { cookie: session.cookie } });
        expect(res.headers["x-frame-options"], url).toBe("DENY");
      }
      expect((await b.inject({ method: "GET", url: "/" })).headers["content-security-policy"]).toContain(
        "frame-ancestors 'none'",
      );
    });

    it("login links and unknown routes answer 4xx, never 5xx", async () => {
      await storesNothing(b, dialect, async () => {
        for (const url of [
          "/login/",
          "/login/..%2f..",
          "/login/%00",
          `/login/${"x".repeat(500)}`,
          "/login?token=",
          "/login?token[]=a",
          "/api/v1/nope",
          "/api/v1/integrations/dropbox/token",
        ]) {
          await refused(b, dialect, url, { method: "GET", url });
        }
        await refused(
          b,
          dialect,
          "PUT on a POST route",
          { method: "PUT", url: "/api/v1/integrations/onedrive/token" },
          { status: 404, code: "not_found" },
        );
      });
    });

    it("the page's static files: dot segments, encoded separators and case changes reach nothing outside the built page", async () => {
      // The broker serves the built page with @fastify/static, one route per file found at start (wildcard: false),
      // so a URL that is not exactly one of those files matches no static route at all.
      const dir = await mkdtemp(join(tmpdir(), "ferry-web-"));
      const secret = `outside-the-page-${randomBytes(8).toString("hex")}`;
      try {
        await mkdir(join(dir, "page", "assets"), { recursive: true });
        await writeFile(join(dir, "page", "index.html"), "<!doctype html><title>Integrations</title>");
        await writeFile(join(dir, "page", "assets", "app.js"), "console.log('page')");
        await writeFile(join(dir, "secret.txt"), secret);
        const withPage = await b.startAnother({ webDir: join(dir, "page") });
        expect((await withPage.app.inject({ method: "GET", url: "/assets/app.js" })).statusCode).toBe(200);
        for (const url of [
          "/../secret.txt",
          "/assets/../../secret.txt",
          "/assets/%2e%2e/%2e%2e/secret.txt",
          "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt",
          "/assets/..%2f..%2fsecret.txt",
          "/%2e%2e%2fsecret.txt",
          "/assets%5c..%5c..%5csecret.txt",
          "/assets/app.js/..%2f..%2f..%2fsecret.txt",
          "//secret.txt",
          "/ASSETS/APP.JS",
          "/assets/app.js%00.html",
          "/assets/",
        ]) {
          const res = await withPage.app.inject({ method: "GET", url });
          const tally = tallies.get(dialect)!;
          if (res.statusCode >= 500) tally.answered5xx++;
          expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, url).toBeLessThan(500);
          expect(res.json().error.code, url).toBe("not_found");
          expect(res.body, url).not.toContain(secret);
          expect(res.body, url).not.toContain("console.log");
          tally.refused4xx++;
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("unauthenticated requests are refused before their body is read", async () => {
      await storesNothing(b, dialect, async () => {
        await refused(
          b,
          dialect,
          "malformed JSON without credentials",
          {
            method: "POST",
            url: "/api/v1/admin/users",
            headers: { "content-type": "application/json" },
            payload: "{not json",
          },
          { status: 401, code: "unauthorized" },
        );
        await refused(
          b,
          dialect,
          "a 2 MB body without credentials",
          {
            method: "POST",
            url: "/api/v1/admin/users",
            headers: { "content-type": "application/json" },
            payload: JSON.stringify({ name: "x".repeat(2_000_000) }),
          },
          { status: 401, code: "unauthorized" },
        );
      });
    });

    it("the OAuth flow redirects only to the broker's own page: no request can choose where a browser goes", async () => {
      const ada = await createTestUser(b, "ada");
      const session = await signIn(b, ada.user);
      // Whatever Host or forwarding headers say, the redirect URI is the configured one, at the configured authority.
      await b.emu.admin.settings({ autoConsent: "personal" });
      const started = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/connect",
        headers: {
          ...session.headers,
          host: "evil.example",
          "x-forwarded-host": "evil.example",
          "x-forwarded-proto": "https",
          referer: "https://evil.example/",
        },
      });
      expect(started.statusCode).toBe(200);
      // The link handed out is the broker's own, at FERRY_PUBLIC_URL, whatever Host said.
      const startUrl = started.json<{ authorizationUrl: string }>().authorizationUrl;
      expect(new URL(startUrl).origin).toBe(PUBLIC_URL);
      const bound = await bindFlow(b, startUrl, session.cookie);
      const authorizationUrl = new URL(bound.authorizationUrl);
      expect(authorizationUrl.origin).toBe(new URL(b.emu.authority).origin);
      redirectsChecked++;
      if (authorizationUrl.searchParams.get("redirect_uri") !== `${PUBLIC_URL}${CALLBACK}`)
        redirectsElsewhere++;
      expect(authorizationUrl.searchParams.get("redirect_uri")).toBe(`${PUBLIC_URL}${CALLBACK}`);
      // A tampered authorization URL pointing the answer elsewhere is refused by Microsoft (AADSTS50011), not followed.
      const tampered = new URL(authorizationUrl);
      tampered.searchParams.set("redirect_uri", "https://evil.example/callback");
      const elsewhere = await fetch(tampered, { redirect: "manual" });
      expect(elsewhere.status).toBe(400);
      expect(await elsewhere.text()).toContain("AADSTS50011");
      redirectsChecked++;
      if (elsewhere.headers.get("location") !== null) redirectsElsewhere++;

      // Redirect-looking parameters on the callback change nothing: the browser goes to the confirmation, then to
      // `/` with a fixed outcome.
      const smuggle =
        "&redirect_uri=https%3A%2F%2Fevil.example&returnTo=%2F%2Fevil.example&next=https%3A%2F%2Fevil.example";
      const callback = await authorize(authorizationUrl.href);
      const toConfirm = await b.inject({
        method: "GET",
        url: `${callback}${smuggle}`,
        headers: { cookie: bound.cookie },
      });
      expect(toConfirm.statusCode).toBe(303);
      expectOwnPage(toConfirm.headers.location, /^\/integrations\/onedrive\/confirm\?flow=[0-9a-f-]{36}$/);
      const confirmPage = await b.inject({
        method: "GET",
        url: `${String(toConfirm.headers.location)}${smuggle}`,
        headers: { cookie: bound.cookie },
      });
      expect(confirmPage.body).toContain('<form method="post" action="/integrations/onedrive/confirm">');
      expect(confirmPage.body).not.toContain("evil.example");
      const done = await answerConfirmation(b, confirmPage.body, bound.cookie, "connect");
      expect(done.statusCode).toBe(303);
      expectOwnPage(done.headers.location, "/?connected=onedrive");
      const declined = await startConnectFlow(b, session.headers, "decline");
      for (const error of ["https%3A%2F%2Fevil.example", "%2F%2Fevil.example", "access_denied"]) {
        const res = await b.inject({
          method: "GET",
          url: `${CALLBACK}?state=${declined.state}&error=${error}${smuggle}`,
          headers: { cookie: declined.cookie },
        });
        expect(res.statusCode).toBe(303);
        // Only the broker's own page, with one of its own outcome codes: never a URL from the request.
        expectOwnPage(res.headers.location, /^\/\?error=[a-z_]+$/);
      }
      // A login link's page posts only to /login, and signing in goes to `/`, whatever is appended to either.
      const link = await b.inject({
        method: "POST",
        url: "/api/v1/admin/users/ada/login-links",
        headers: (await createTestUser(b, "root", true)).bearer,
      });
      const linkPath = new URL(link.json<{ url: string }>().url).pathname;
      const smuggled = "next=https%3A%2F%2Fevil.example&returnTo=//evil.example";
      const page = await b.inject({ method: "GET", url: `${linkPath}?${smuggled}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<form method="post" action="/login">');
      expect(page.body).not.toContain("evil.example");
      const login = await b.inject({
        method: "POST",
        url: `/login?${smuggled}`,
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
        payload: new URLSearchParams({ token: linkPath.split("/").at(-1)! }).toString(),
      });
      expect(login.statusCode).toBe(303);
      expectOwnPage(login.headers.location, "/");
    });
  });
}

afterAll(() => {
  // Recorded once both dialects ran (a file's tests run in order): what was refused, and what got through.
  let total = 0;
  for (const [dialect, tally] of tallies) {
    total += tally.refused4xx;
    recordFigures("hostile input", {
      [`broker: hostile inputs refused with 4xx on ${dialect}`]: tally.refused4xx,
    });
  }
  const fivexx = [...tallies.values()].reduce((a, t) => a + t.answered5xx, 0);
  const rows = [...tallies.values()].reduce((a, t) => a + t.rowsWritten, 0);
  recordFigure({ area: "hostile input", name: "broker: hostile inputs refused with 4xx", value: total });
  recordFigure({
    area: "hostile input",
    name: "broker: hostile inputs answered 5xx",
    value: fivexx,
    bar: "0",
  });
  recordFigure({
    area: "hostile input",
    name: "broker: rows stored by hostile inputs",
    value: rows,
    bar: "0",
  });
  recordFigure({
    area: "hostile input",
    name: "broker: OAuth redirect attempts that left the broker's own page",
    value: redirectsElsewhere,
    bar: "0",
  });
  recordFigure({
    area: "hostile input",
    name: "broker: OAuth redirect checks made",
    value: redirectsChecked,
  });
});
