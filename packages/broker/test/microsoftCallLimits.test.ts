// Issue 14, finding 3: the calls a user can make the broker send to Microsoft on demand (forced refreshes, device
// starts, code redemptions) are limited per user, with a 429 and Retry-After that say why.
import { describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  connectOneDrive,
  createTestUser,
  finishConnectFlow,
  mint,
  startConnectFlow,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

async function grants(b: BrokerUnderTest, type: string): Promise<number> {
  return (await b.emu.admin.counters()).grants[type] ?? 0;
}

function upstream(b: BrokerUnderTest, route: string): Promise<number> {
  return b.emu.admin.requestCount({ method: "POST", route });
}

for (const dialect of DIALECTS) {
  describe(`per-user limits on calls to Microsoft, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, {
      microsoftCallLimits: {
        refresh: { burst: 5, refillPerSecond: 1 / 30 },
        device: { burst: 5, refillPerSecond: 1 / 60 },
        code: { burst: 3, refillPerSecond: 1 / 30 },
      },
    });

    it("twenty forced refreshes reach Microsoft five times; the rest get 429 with a Retry-After that says why", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      await connectOneDrive(b, ada, "personal");
      await connectOneDrive(b, bob, "personal2");
      const before = await grants(b, "refresh_token");
      let current = (await mint(b, ada)).json<{ expiresAt: string }>().expiresAt;
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        // A job that keeps claiming Graph refused its fresh token.
        const res = await b.inject({
          method: "POST",
          url: "/api/v1/integrations/onedrive/token",
          headers: ada.bearer,
          payload: { staleExpiresAt: current },
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 200) current = res.json<{ expiresAt: string }>().expiresAt;
        else {
          expect(res.statusCode).toBe(429);
          expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
          expect(res.json().error.code).toBe("rate_limited");
          expect(res.json().error.message).toMatch(/forced token refreshes.*Microsoft.*throttles/);
        }
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect((await grants(b, "refresh_token")) - before).toBe(5);
      // A plain mint (no stale token named) is still served from the stored token; bob is not limited by ada.
      expect((await mint(b, ada)).statusCode).toBe(200);
      const bobs = (await mint(b, bob)).json<{ expiresAt: string }>().expiresAt;
      const forced = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/token",
        headers: bob.bearer,
        payload: { staleExpiresAt: bobs },
      });
      expect(forced.statusCode).toBe(200);
    });

    it("thirty device-code starts reach Microsoft five times", async () => {
      const ada = await createTestUser(b, "ada");
      const before = await upstream(b, "devicecode");
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await b.inject({
          method: "POST",
          url: "/api/v1/integrations/onedrive/device",
          headers: ada.bearer,
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.json().error.message).toMatch(/device-code sign-ins started.*try again in \d+ s/);
          expect(Number(res.headers["retry-after"])).toBeGreaterThan(1);
        }
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(25);
      expect((await upstream(b, "devicecode")) - before).toBe(5);
    });

    it("code redemptions are limited before the state is used: the refused callback can be reloaded later", async () => {
      const ada = await createTestUser(b, "ada");
      const flows = [];
      for (let i = 0; i < 4; i++) flows.push(await startConnectFlow(b, ada.bearer));
      for (const flow of flows.slice(0, 3))
        expect((await finishConnectFlow(b, flow, "cancel")).statusCode).toBe(200);
      const before = await upstream(b, "/token");
      const refused = await b.inject({
        method: "GET",
        url: flows[3]!.callback,
        headers: { cookie: flows[3]!.cookie },
      });
      expect(refused.statusCode).toBe(429);
      expect(refused.body).toContain("Too many sign-ins were finished for this Ferry user");
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(await upstream(b, "/token")).toBe(before);
      const row = await b.database.db.kysely
        .selectFrom("oauth_states")
        .select("used_at")
        .where("state_hash", "is not", null)
        .orderBy("created_at", "desc")
        .executeTakeFirstOrThrow();
      expect(row.used_at).toBeNull();
    });
  });
}
