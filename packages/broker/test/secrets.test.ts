// Secrets through /api/v1/secrets (issue 20): the routes, isolation between users on every route, CSRF on every
// state-changing route, hostile names and bodies (a 4xx with a stable code, nothing stored), and the audit trail.
import { describe, expect, it } from "vitest";
import { createApiKey, disableUser, listAudit, revokeApiKey } from "../src/index.ts";
import { MAX_SECRET_VALUE_BYTES, MAX_SECRETS_PER_USER } from "../src/secrets/secretRules.ts";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  createTestUser,
  PUBLIC_URL,
  signIn,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

function put(b: BrokerUnderTest, name: string, value: unknown, headers: Record<string, string>) {
  return b.inject({
    method: "PUT",
    url: `/api/v1/secrets/${name}`,
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify({ value }),
  });
}

async function storedRows(b: BrokerUnderTest) {
  return b.database.db.kysely.selectFrom("secrets").selectAll().orderBy("name").execute();
}

for (const dialect of DIALECTS) {
  describe(`secrets over the API on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("an API key sets, lists, reads, replaces and deletes a secret; the list never carries a value", async () => {
      const ada = await createTestUser(b, "ada");
      const created = await put(b, "OPENAI_API_KEY", "sk-first-value", ada.bearer);
      expect(created.statusCode, created.body).toBe(200);
      expect(created.json()).toMatchObject({ created: true, secret: { name: "OPENAI_API_KEY" } });

      const list = await b.inject({ method: "GET", url: "/api/v1/secrets", headers: ada.bearer });
      expect(list.json().secrets).toEqual([
        { name: "OPENAI_API_KEY", createdAt: expect.any(String), updatedAt: expect.any(String) },
      ]);
      expect(list.body).not.toContain("sk-first-value");

      const read = await b.inject({
        method: "GET",
        url: "/api/v1/secrets/OPENAI_API_KEY",
        headers: ada.bearer,
      });
      expect(read.json()).toMatchObject({ name: "OPENAI_API_KEY", value: "sk-first-value" });
      expect(read.headers["cache-control"]).toBe("no-store");

      const replaced = await put(b, "OPENAI_API_KEY", "sk-second-value", ada.bearer);
      expect(replaced.json()).toMatchObject({ created: false });
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/secrets/OPENAI_API_KEY", headers: ada.bearer })).json()
          .value,
      ).toBe("sk-second-value");
      expect(await storedRows(b)).toHaveLength(1);

      const deleted = await b.inject({
        method: "DELETE",
        url: "/api/v1/secrets/OPENAI_API_KEY",
        headers: ada.bearer,
      });
      expect(deleted.json()).toEqual({ deleted: true, name: "OPENAI_API_KEY" });
      expect(await storedRows(b)).toEqual([]);
      const gone = await b.inject({
        method: "GET",
        url: "/api/v1/secrets/OPENAI_API_KEY",
        headers: ada.bearer,
      });
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error.code).toBe("secret_not_found");
      expect(gone.json().error.message).toContain("ferry secrets set OPENAI_API_KEY");
    });

    it("an unknown name in another case is named in the 404 (names are case-sensitive)", async () => {
      const ada = await createTestUser(b, "ada");
      await put(b, "Stripe_Key", "v", ada.bearer);
      const miss = await b.inject({ method: "GET", url: "/api/v1/secrets/STRIPE_KEY", headers: ada.bearer });
      expect(miss.statusCode).toBe(404);
      expect(miss.json().error.message).toContain("did you mean Stripe_Key?");
    });

    it("every write and delete leaves an audit event naming the secret and who acted, never the value", async () => {
      const ada = await createTestUser(b, "ada");
      await put(b, "DB_PASSWORD", "hunter2-audit-value", ada.bearer);
      await put(b, "DB_PASSWORD", "hunter3-audit-value", ada.bearer);
      const session = await signIn(b, ada.user);
      expect(
        (await b.inject({ method: "DELETE", url: "/api/v1/secrets/DB_PASSWORD", headers: session.headers }))
          .statusCode,
      ).toBe(200);
      const events = (await listAudit(b.database.db, { userId: ada.user.id })).filter((e) =>
        e.action.startsWith("secret."),
      );
      expect(events.map((e) => [e.action, e.detail])).toEqual([
        ["secret.deleted", { name: "DB_PASSWORD", via: "session" }],
        ["secret.updated", { name: "DB_PASSWORD", via: "api_key", keyId: ada.keyId }],
        ["secret.created", { name: "DB_PASSWORD", via: "api_key", keyId: ada.keyId }],
      ]);
      const trail = JSON.stringify(
        await b.database.db.kysely.selectFrom("audit_events").selectAll().execute(),
      );
      expect(trail).not.toContain("audit-value");
    });

    it("the page's session sets, lists and deletes with CSRF, but can never read a value back", async () => {
      const ada = await createTestUser(b, "ada");
      const session = await signIn(b, ada.user);
      const saved = await put(b, "WEBHOOK_TOKEN", "whk-page-value", session.headers);
      expect(saved.statusCode, saved.body).toBe(200);
      const list = await b.inject({
        method: "GET",
        url: "/api/v1/secrets",
        headers: { cookie: session.cookie },
      });
      expect(list.json().secrets.map((s: { name: string }) => s.name)).toEqual(["WEBHOOK_TOKEN"]);
      const read = await b.inject({
        method: "GET",
        url: "/api/v1/secrets/WEBHOOK_TOKEN",
        headers: session.headers,
      });
      expect(read.statusCode).toBe(403);
      expect(read.json().error.code).toBe("secret_write_only");
      expect(read.body).not.toContain("whk-page-value");
    });
  });

  describe(`secrets isolation between users on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("on every route, one user neither sees, reads, replaces nor deletes another's secret", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await put(b, "SHARED_NAME", "ada-isolated-value", ada.bearer);
      const bobSession = await signIn(b, bob.user);

      for (const headers of [bob.bearer, { cookie: bobSession.cookie }]) {
        const list = await b.inject({ method: "GET", url: "/api/v1/secrets", headers });
        expect(list.json().secrets).toEqual([]);
      }
      const read = await b.inject({ method: "GET", url: "/api/v1/secrets/SHARED_NAME", headers: bob.bearer });
      expect(read.statusCode).toBe(404);
      expect(read.body).not.toContain("ada-isolated-value");
      for (const headers of [bob.bearer, bobSession.headers]) {
        const del = await b.inject({ method: "DELETE", url: "/api/v1/secrets/SHARED_NAME", headers });
        expect(del.statusCode).toBe(404);
      }
      // Bob's set of the same name makes his own secret; Ada's value is untouched.
      expect((await put(b, "SHARED_NAME", "bob-own-value", bob.bearer)).json().created).toBe(true);
      expect((await put(b, "SHARED_NAME", "bob-newer-value", bobSession.headers)).json().created).toBe(false);
      const adas = await b.inject({ method: "GET", url: "/api/v1/secrets/SHARED_NAME", headers: ada.bearer });
      expect(adas.json().value).toBe("ada-isolated-value");
      const bobs = await b.inject({ method: "GET", url: "/api/v1/secrets/SHARED_NAME", headers: bob.bearer });
      expect(bobs.json().value).toBe("bob-newer-value");
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/secrets", headers: ada.bearer })).json().secrets,
      ).toHaveLength(1);
    });

    it("a ciphertext copied into another user's row does not decrypt there", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await put(b, "TOKEN", "ada-copied-value", ada.bearer);
      await put(b, "TOKEN", "bob-value", bob.bearer);
      const kysely = b.database.db.kysely;
      const adaRow = await kysely
        .selectFrom("secrets")
        .selectAll()
        .where("user_id", "=", ada.user.id)
        .executeTakeFirstOrThrow();
      await kysely
        .updateTable("secrets")
        .set({ value_enc: adaRow.value_enc })
        .where("user_id", "=", bob.user.id)
        .execute();
      const read = await b.inject({ method: "GET", url: "/api/v1/secrets/TOKEN", headers: bob.bearer });
      expect(read.statusCode).toBe(500);
      expect(read.json().error.code).toBe("vault_unreadable");
      expect(read.body).not.toContain("ada-copied-value");
    });

    it("a revoked key, a disabled user's key, a made-up key and no credentials read and change nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await put(b, "TOKEN", "ada-value", ada.bearer);
      await put(b, "TOKEN", "bob-value", bob.bearer);
      const spare = await createApiKey(b.database.db, { userId: ada.user.id, name: "spare" });
      expect(await revokeApiKey(b.database.db, { userId: ada.user.id, keyId: ada.keyId })).toBe(true);
      expect(await disableUser(b.database.db, bob.user.id)).toBe(true);
      for (const headers of [
        ada.bearer,
        bob.bearer,
        { authorization: "Bearer fry_0123456789abcdef_made-up" },
        {} as Record<string, string>,
      ]) {
        for (const request of [
          { method: "GET" as const, url: "/api/v1/secrets" },
          { method: "GET" as const, url: "/api/v1/secrets/TOKEN" },
          { method: "DELETE" as const, url: "/api/v1/secrets/TOKEN" },
        ]) {
          const response = await b.inject({ ...request, headers });
          // 429 once the failure limiter has seen enough bad credentials from this address: refused either way.
          expect([401, 429], `${request.method} ${request.url}`).toContain(response.statusCode);
          expect(response.body).not.toContain("-value");
        }
        expect([401, 429]).toContain((await put(b, "TOKEN", "planted", headers)).statusCode);
      }
      // Ada's other key still reads her value, unchanged.
      const read = await b.inject({
        method: "GET",
        url: "/api/v1/secrets/TOKEN",
        headers: { authorization: `Bearer ${spare.token}` },
      });
      expect(read.json().value).toBe("ada-value");
      expect(await storedRows(b)).toHaveLength(2);
    });
  });

  describe(`CSRF on every state-changing secrets route on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("PUT and DELETE with the session cookie are refused without the CSRF token or from another site; nothing changes", async () => {
      const ada = await createTestUser(b, "ada");
      await put(b, "KEEP_ME", "original-csrf-value", ada.bearer);
      const session = await signIn(b, ada.user);
      const attempts: Record<string, string>[] = [
        { cookie: session.cookie },
        { cookie: session.cookie, "x-csrf-token": "forged" },
        { ...session.headers, "sec-fetch-site": "cross-site" },
        { ...session.headers, origin: "https://attacker.example" },
        { cookie: session.cookie, origin: PUBLIC_URL, "sec-fetch-site": "same-origin" },
      ];
      for (const headers of attempts) {
        for (const name of ["KEEP_ME", "PLANTED"]) {
          const set = await put(b, name, "attacker-value", headers);
          expect(set.statusCode, JSON.stringify(headers)).toBe(403);
          expect(set.json().error.code).toBe("csrf_failed");
        }
        const del = await b.inject({ method: "DELETE", url: "/api/v1/secrets/KEEP_ME", headers });
        expect(del.statusCode).toBe(403);
        expect(del.json().error.code).toBe("csrf_failed");
      }
      const rows = await storedRows(b);
      expect(rows.map((r) => r.name)).toEqual(["KEEP_ME"]);
      const read = await b.inject({ method: "GET", url: "/api/v1/secrets/KEEP_ME", headers: ada.bearer });
      expect(read.json().value).toBe("original-csrf-value");
    });
  });

  describe(`hostile secret names and bodies on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("bad names get invalid_secret_name on every route, and nothing is stored", async () => {
      const ada = await createTestUser(b, "ada");
      const badNames = [
        "1ABC",
        "_LEADING",
        "A-B",
        "A.B",
        "A%2FB",
        "A%00B",
        "A%20B",
        "%C3%84BC",
        "A;DROP",
        "A'--",
        "X".repeat(129),
        "Y".repeat(5000),
      ];
      for (const name of badNames) {
        for (const method of ["PUT", "GET", "DELETE"] as const) {
          const response =
            method === "PUT"
              ? await put(b, name, "value", ada.bearer)
              : await b.inject({ method, url: `/api/v1/secrets/${name}`, headers: ada.bearer });
          expect(response.statusCode, `${method} ${name.slice(0, 20)}`).toBe(400);
          expect(response.json().error.code).toBe("invalid_secret_name");
          expect(response.body.length).toBeLessThan(600);
        }
      }
      // URL parsing resolves `..` (escaped too, as WHATWG URLs do) before routing: `/api/v1/`, no route, a 404.
      for (const dots of ["..", "%2E%2E", "%2e."]) {
        const response = await put(b, dots, "value", ada.bearer);
        expect(response.statusCode).toBe(404);
        expect(response.json().error.code).toBe("not_found");
      }
      // The longest allowed name works.
      expect((await put(b, "Z".repeat(128), "value", ada.bearer)).statusCode).toBe(200);
      expect((await storedRows(b)).map((r) => r.name)).toEqual(["Z".repeat(128)]);
    });

    it("empty, over-size, malformed and mistyped values get a 4xx with a stable code, and nothing is stored", async () => {
      const ada = await createTestUser(b, "ada");
      const session = await signIn(b, ada.user);
      const cases: [string, string, number, string][] = [
        ["empty value", JSON.stringify({ value: "" }), 400, "invalid_secret_value"],
        ["lone surrogate", '{"value":"abc\\ud800"}', 400, "invalid_secret_value"],
        [
          "64 KiB + 1",
          JSON.stringify({ value: "a".repeat(MAX_SECRET_VALUE_BYTES + 1) }),
          413,
          "secret_too_large",
        ],
        // 3-byte characters: 21846 of them are 65538 bytes though only 21846 characters.
        ["multi-byte over 64 KiB", JSON.stringify({ value: "€".repeat(21846) }), 413, "secret_too_large"],
        [
          "a body past the route's limit",
          JSON.stringify({ value: "a".repeat(1024 * 1024) }),
          413,
          "payload_too_large",
        ],
        ["a number", JSON.stringify({ value: 42 }), 400, "invalid_request"],
        ["null", JSON.stringify({ value: null }), 400, "invalid_request"],
        ["no value", JSON.stringify({}), 400, "invalid_request"],
        ["an unknown field", JSON.stringify({ value: "v", comment: "x" }), 400, "invalid_request"],
        ["not JSON", "value=abc", 400, "invalid_request"],
        ["an array", "[1,2]", 400, "invalid_request"],
      ];
      for (const headers of [ada.bearer, session.headers]) {
        for (const [what, payload, status, code] of cases) {
          const response = await b.inject({
            method: "PUT",
            url: "/api/v1/secrets/GOOD_NAME",
            headers: { ...headers, "content-type": "application/json" },
            payload,
          });
          expect(response.statusCode, what).toBe(status);
          expect(response.json().error.code, what).toBe(code);
        }
        const form = await b.inject({
          method: "PUT",
          url: "/api/v1/secrets/GOOD_NAME",
          headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
          payload: "value=abc",
        });
        expect(form.statusCode).toBe(415);
      }
      expect(await storedRows(b)).toEqual([]);
      // Exactly 64 KiB is allowed, in multi-byte characters too (21845 × 3 bytes + 1).
      const exact = `${"€".repeat(21845)}a`;
      expect(Buffer.byteLength(exact)).toBe(MAX_SECRET_VALUE_BYTES);
      expect((await put(b, "BIG", exact, ada.bearer)).statusCode).toBe(200);
      const read = await b.inject({ method: "GET", url: "/api/v1/secrets/BIG", headers: ada.bearer });
      expect(read.json().value).toBe(exact);
      // Control characters, quotes and emoji come back byte for byte.
      const odd = 'line1\nline2\t"quoted"\u0000 \u{1F510} </script>';
      expect((await put(b, "ODD", odd, ada.bearer)).statusCode).toBe(200);
      expect(
        (await b.inject({ method: "GET", url: "/api/v1/secrets/ODD", headers: ada.bearer })).json().value,
      ).toBe(odd);
    });

    it(`a user with ${MAX_SECRETS_PER_USER} secrets gets secret_limit_reached for a new name, but can still replace one`, async () => {
      const ada = await createTestUser(b, "ada");
      await put(b, "S0", "value", ada.bearer);
      const template = await b.database.db.kysely.selectFrom("secrets").selectAll().executeTakeFirstOrThrow();
      const rows = Array.from({ length: MAX_SECRETS_PER_USER - 1 }, (_, i) => ({
        ...template,
        id: `filler-${i}`,
        name: `S${i + 1}`,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await b.database.db.kysely
          .insertInto("secrets")
          .values(rows.slice(i, i + 200))
          .execute();
      }
      const refused = await put(b, "ONE_MORE", "value", ada.bearer);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe("secret_limit_reached");
      expect((await put(b, "S0", "new value", ada.bearer)).statusCode).toBe(200);
      expect(
        await b.database.db.kysely
          .selectFrom("secrets")
          .select("id")
          .where("name", "=", "ONE_MORE")
          .execute(),
      ).toEqual([]);
    });

    it("two writers of one new name end with one row holding one of their values", async () => {
      const ada = await createTestUser(b, "ada");
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => put(b, "RACE", `value-${i}`, ada.bearer)),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
      expect(answers.filter((a) => a.json().created === true)).toHaveLength(1);
      expect(await storedRows(b)).toHaveLength(1);
      const read = await b.inject({ method: "GET", url: "/api/v1/secrets/RACE", headers: ada.bearer });
      expect(read.json().value).toMatch(/^value-\d$/);
    });
  });
}
