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
import { rawStorage } from "./support/rawStorage.ts";

const emulator = useEmulator();

/** Runs every flow once, collecting each secret that passed through: tokens, codes, keys, cookies. */
async function exerciseEverything(
  b: BrokerUnderTest,
): Promise<{ secrets: Map<string, string>; errorBodies: string[] }> {
  const secrets = new Map<string, string>();
  const errorBodies: string[] = [];
  const ada = await createTestUser(b, "ada");
  const bob = await createTestUser(b, "bob");
  const carol = await createTestUser(b, "carol");
  secrets.set("ada's API key", ada.key).set("bob's API key", bob.key);

  // Ada connects from the page: a login link, a session cookie, CSRF, a start link, a binding cookie, state and
  // code, and the confirmation's CSRF token.
  const session = await signIn(b, ada.user);
  secrets
    .set("login link", session.loginToken)
    .set("session cookie", session.cookie.split("=")[1]!)
    .set("CSRF token", session.csrfToken);
  const flow = await startConnectFlow(b, session.headers, "personal");
  const callback = new URL(flow.callback, "http://x");
  secrets
    .set("start link", flow.startUrl.split("/").at(-1)!)
    .set("binding cookie", /ferry_connect=([^;]+)/.exec(flow.cookie)![1]!)
    .set("OAuth state", callback.searchParams.get("state")!)
    .set("authorization code", callback.searchParams.get("code")!);
  const confirmed = await finishConnectFlow(b, flow);
  expect(confirmed.statusCode).toBe(303);
  // Carol's sign-in is redeemed but left unconfirmed: its tokens wait, encrypted, in the database.
  const held = await startConnectFlow(b, carol.bearer, "work");
  const shown = await b.inject({
    method: "GET",
    url: held.callback,
    headers: { cookie: held.cookie, "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" },
  });
  expect(shown.statusCode).toBe(303);
  const confirmPage = await b.inject({
    method: "GET",
    url: String(shown.headers.location),
    headers: { cookie: held.cookie },
  });
  secrets.set("confirmation CSRF token", /name="csrf" value="([^"]+)"/.exec(confirmPage.body)![1]!);
  expect(
    (await b.database.db.kysely.selectFrom("oauth_states").select("pending_enc").execute()).some((r) =>
      r.pending_enc?.startsWith("v1."),
    ),
  ).toBe(true);

  // A refresh, so a rotated refresh token passes through too.
  await makeStale(b, ada.user.id);
  expect((await mint(b, ada)).statusCode).toBe(200);
  // Bob connects and then loses his grant: an error answer, a needs_reconnect row.
  await connectOneDrive(b, bob, "personal2");
  await b.emu.admin.revoke("personal2");
  await makeStale(b, bob.user.id);
  const revoked = await mint(b, bob);
  expect(revoked.statusCode).toBe(409);
  errorBodies.push(revoked.body);
  errorBodies.push(
    (await b.inject({ method: "GET", url: "/api/v1/me", headers: { authorization: `Bearer ${ada.key}x` } }))
      .body,
  );
  // Carol starts a device sign-in and leaves it pending: its device code stays stored.
  expect(
    (await b.inject({ method: "POST", url: "/api/v1/integrations/onedrive/device", headers: carol.bearer }))
      .statusCode,
  ).toBe(200);

  for (const [i, response] of b.tokenResponses.entries()) {
    for (const field of ["access_token", "refresh_token", "device_code"]) {
      const value = response[field];
      if (typeof value === "string") secrets.set(`${field} #${i}`, value);
    }
  }
  expect([...secrets.keys()].filter((k) => k.startsWith("refresh_token")).length).toBeGreaterThanOrEqual(3);
  expect([...secrets.keys()].some((k) => k.startsWith("device_code"))).toBe(true);
  return { secrets, errorBodies };
}

function found(haystack: string | Buffer, secrets: Map<string, string>): string[] {
  const text = typeof haystack === "string" ? Buffer.from(haystack) : haystack;
  return [...secrets].filter(([, value]) => text.includes(Buffer.from(value))).map(([name]) => name);
}

for (const dialect of DIALECTS) {
  describe(`no token in plaintext, at rest or in logs, errors and metrics, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("after every flow, no secret appears in the database's raw storage, the logs, the error bodies or /metrics", async () => {
      const { secrets, errorBodies } = await exerciseEverything(b);
      const storage = await rawStorage(b.database);
      // The grep must be able to find things, or finding nothing proves nothing.
      expect(storage.includes(Buffer.from("ada.lovelace@outlook.example"))).toBe(true);
      expect(found(storage, secrets)).toEqual([]);

      const logs = b.logs.join("\n");
      expect(logs).toContain("OneDrive connected");
      expect(logs).toContain("/integrations/onedrive/callback?code=[redacted]&state=[redacted]");
      expect(found(logs, secrets)).toEqual([]);

      expect(errorBodies.join("\n")).toContain("needs_reconnect");
      expect(found(errorBodies.join("\n"), secrets)).toEqual([]);

      const metrics = (await b.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain("ferry_broker_mints_total");
      expect(found(metrics, secrets)).toEqual([]);
    });
  });
}
