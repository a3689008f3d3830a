// Issue 14, finding 4: a revoked key, an ended session or a disabled user is refused on the very next request, by
// every broker instance, whoever made the change (an instance's admin API or the CLI writing the database).

import { describe, expect, it } from "vitest";
import type { RunningBroker } from "../src/index.ts";
import { disableUser, enableUser, endUserSessions, revokeApiKey } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import { createTestUser, signIn, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();

function me(broker: RunningBroker, headers: Record<string, string>) {
  return broker.app.inject({ method: "GET", url: "/api/v1/me", headers });
}

for (const dialect of DIALECTS) {
  describe(`revocation on ${dialect}`, () => {
    // Refusals here are the point; the failure limiter would turn the later ones into 429s.
    const b = useBroker(dialect, emulator, { rateLimit: { burst: 1000, refillPerSecond: 1000 } });

    it("a key revoked through one instance is refused on the next request by a second instance", async () => {
      const root = await createTestUser(b, "root", true);
      const ada = await createTestUser(b, "ada");
      const second = await b.startAnother();
      // Both instances have just accepted the key many times: nothing they remember may outlive the revocation.
      for (let i = 0; i < 20; i++) {
        expect((await me(b.broker, ada.bearer)).statusCode).toBe(200);
        expect((await me(second, ada.bearer)).statusCode).toBe(200);
      }
      const revoked = await b.inject({
        method: "DELETE",
        url: `/api/v1/admin/users/ada/keys/${ada.keyId}`,
        headers: root.bearer,
      });
      expect(revoked.statusCode).toBe(204);
      expect((await me(second, ada.bearer)).statusCode).toBe(401);
      expect((await me(b.broker, ada.bearer)).statusCode).toBe(401);
    });

    it("a key revoked in the database (as `ferry keys revoke` does) is refused on the next request everywhere", async () => {
      const ada = await createTestUser(b, "ada");
      const second = await b.startAnother();
      for (let i = 0; i < 20; i++) expect((await me(second, ada.bearer)).statusCode).toBe(200);
      expect(await revokeApiKey(b.database.db, { userId: ada.user.id, keyId: ada.keyId })).toBe(true);
      const next = await me(second, ada.bearer);
      expect(next.statusCode).toBe(401);
      expect(next.json().error.message).toContain("revoked");
      expect((await me(b.broker, ada.bearer)).statusCode).toBe(401);
    });

    it("a disabled user's session and key are refused at once, on every instance; enabling brings neither back", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const adaSession = await signIn(b, ada.user);
      const bobSession = await signIn(b, bob.user);
      const second = await b.startAnother();
      const copyToken = (broker: RunningBroker) =>
        broker.app.inject({
          method: "POST",
          url: "/api/v1/integrations/onedrive/token",
          headers: adaSession.headers,
        });
      expect((await me(second, { cookie: adaSession.cookie })).statusCode).toBe(200);
      // A sign-in in progress, too.
      const started = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/connect",
        headers: ada.bearer,
      });
      expect(started.statusCode).toBe(200);

      expect(await disableUser(b.database.db, ada.user.id)).toBe(true);
      for (const broker of [b.broker, second]) {
        expect((await me(broker, ada.bearer)).statusCode).toBe(401);
        expect((await me(broker, { cookie: adaSession.cookie })).statusCode).toBe(401);
        // "Copy token" on the page is a cookie request: refused too.
        expect((await copyToken(broker)).statusCode).toBe(401);
        // Bob is untouched.
        expect((await me(broker, bob.bearer)).statusCode).toBe(200);
        expect((await me(broker, { cookie: bobSession.cookie })).statusCode).toBe(200);
      }
      const startLink = new URL(started.json<{ authorizationUrl: string }>().authorizationUrl).pathname;
      const link = await b.inject({
        method: "GET",
        url: startLink,
        headers: { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" },
      });
      expect(link.statusCode).toBe(400);
      const keys = await b.database.db.kysely
        .selectFrom("api_keys")
        .selectAll()
        .where("user_id", "=", ada.user.id)
        .execute();
      expect(keys.every((k) => k.revoked_at !== null)).toBe(true);
      expect(await disableUser(b.database.db, ada.user.id)).toBe(false);

      expect(await enableUser(b.database.db, ada.user.id)).toBe(true);
      expect((await me(second, ada.bearer)).statusCode).toBe(401);
      expect((await me(second, { cookie: adaSession.cookie })).statusCode).toBe(401);
    });

    it("ending a user's sessions signs every browser out at once, and leaves the API keys working", async () => {
      const ada = await createTestUser(b, "ada");
      const first = await signIn(b, ada.user);
      const other = await signIn(b, ada.user);
      const second = await b.startAnother();
      expect((await me(second, { cookie: first.cookie })).statusCode).toBe(200);
      expect(await endUserSessions(b.database.db, ada.user.id)).toBe(2);
      for (const session of [first, other]) {
        expect((await me(second, { cookie: session.cookie })).statusCode).toBe(401);
        expect((await me(b.broker, { cookie: session.cookie })).statusCode).toBe(401);
      }
      expect((await me(second, ada.bearer)).statusCode).toBe(200);
    });
  });
}
