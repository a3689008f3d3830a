import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  createTestUser,
  graphMe,
  mint,
  type TestUser,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

async function startDevice(b: BrokerUnderTest, user: TestUser) {
  const started = await b.inject({
    method: "POST",
    url: "/api/v1/integrations/onedrive/device",
    headers: user.bearer,
  });
  expect(started.statusCode).toBe(200);
  return started.json<{ userCode: string; verificationUri: string; expiresAt: string; interval: number }>();
}

async function deviceStatus(b: BrokerUnderTest, user: TestUser): Promise<string> {
  const res = await b.inject({
    method: "GET",
    url: "/api/v1/integrations/onedrive/device",
    headers: user.bearer,
  });
  return res.json<{ status: string }>().status;
}

async function waitForStatus(b: BrokerUnderTest, user: TestUser, wanted: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await deviceStatus(b, user);
    if (status === wanted) return;
    if (Date.now() > deadline) throw new Error(`device flow still ${status}, wanted ${wanted}`);
    await sleep(100);
  }
}

function tokenRequests(counters: Awaited<ReturnType<BrokerUnderTest["emu"]["admin"]["counters"]>>): number {
  return counters.requests
    .filter((r) => r.method === "POST" && r.route.includes("token"))
    .reduce((n, r) => n + r.count, 0);
}

for (const dialect of DIALECTS) {
  describe(`connecting OneDrive (device code) on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, { devicePollIntervalMs: 100 });

    it("polls Microsoft itself, honouring the interval, until the user approves, then connects", async () => {
      const grace = await createTestUser(b, "grace");
      const started = await startDevice(b, grace);
      expect(started.verificationUri).toBe(`${b.emu.url}/devicelogin`);
      expect(started.userCode).toMatch(/^[A-Z0-9]{9}$/);
      expect(started.interval).toBe(1);
      expect(Date.parse(started.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
      expect(await deviceStatus(b, grace)).toBe("pending");
      // Let it poll a few times while the user has not approved yet.
      await sleep(2_500);
      const polls = tokenRequests(await b.emu.admin.counters());
      // Once a second (interval 1), not once per 100 ms tick: two or three polls, and never too fast for Microsoft.
      expect(polls).toBeGreaterThanOrEqual(2);
      expect(polls).toBeLessThanOrEqual(3);
      await b.emu.admin.approveDeviceCode(started.userCode, "work", true);
      await waitForStatus(b, grace, "connected");
      const list = (
        await b.inject({ method: "GET", url: "/api/v1/integrations", headers: grace.bearer })
      ).json();
      expect(list.integrations[0]).toMatchObject({
        status: "connected",
        account: { email: "grace.hopper@contoso.example" },
      });
      const token = (await mint(b, grace)).json().accessToken;
      expect((await graphMe(b.emu, token)).status).toBe(200);
      // The device code is gone from the database once used.
      const states = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      expect(states.every((s) => s.device_code_enc === null)).toBe(true);
    });

    it("a declined device sign-in ends as declined and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      const started = await startDevice(b, ada);
      await b.emu.admin.approveDeviceCode(started.userCode, "personal", false);
      await waitForStatus(b, ada, "declined");
      expect(await b.database.db.kysely.selectFrom("connections").selectAll().execute()).toEqual([]);
    });

    it("an expired device code (expired_token) ends as expired and stores nothing", async () => {
      const ada = await createTestUser(b, "ada");
      await startDevice(b, ada);
      await b.emu.admin.advanceClock(901);
      await waitForStatus(b, ada, "expired");
      expect(await b.database.db.kysely.selectFrom("connections").selectAll().execute()).toEqual([]);
    });

    it("survives a broker restart in the middle of polling: the device code is in the database", async () => {
      const ada = await createTestUser(b, "ada");
      const started = await startDevice(b, ada);
      await b.broker.close();
      // Approved while no broker runs; the next one picks the flow up from the database.
      await b.emu.admin.approveDeviceCode(started.userCode, "personal", true);
      await b.restart({ devicePollIntervalMs: 100 });
      await waitForStatus(b, ada, "connected");
      expect((await mint(b, ada)).json().account.email).toBe("ada.lovelace@outlook.example");
    });
  });

  describe(`device-code polling rules on ${dialect}`, () => {
    let answer: "slow_down" | undefined;
    const b = useBroker(dialect, emulator, {
      fetch: async (input, init) => {
        const body =
          init?.body instanceof URLSearchParams ? init.body : new URLSearchParams(String(init?.body ?? ""));
        if (answer !== undefined && body.get("grant_type")?.includes("device_code")) {
          return Response.json(
            { error: answer, error_description: "AADSTS70016: slow down", error_codes: [70016] },
            { status: 400 },
          );
        }
        return fetch(input, init);
      },
    });

    it("slow_down adds 5 seconds to the interval, for this and every later poll", async () => {
      const ada = await createTestUser(b, "ada");
      await startDevice(b, ada);
      answer = "slow_down";
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ next_poll_at: Date.now() - 1 })
        .execute();
      expect(await b.broker.pollDeviceFlows()).toBe(1);
      const [row] = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      expect(row?.poll_interval_ms).toBe(6_000);
      expect(row!.next_poll_at! - Date.now()).toBeGreaterThan(5_000);
      // Not due again yet: nothing is polled.
      expect(await b.broker.pollDeviceFlows()).toBe(0);
      answer = undefined;
    });

    it("two instances polling the same flow take turns: one poll per interval between them", async () => {
      const ada = await createTestUser(b, "ada");
      await startDevice(b, ada);
      const other = await b.startAnother();
      await b.database.db.kysely
        .updateTable("oauth_states")
        .set({ next_poll_at: Date.now() - 1 })
        .execute();
      const polled = await Promise.all([b.broker.pollDeviceFlows(), other.pollDeviceFlows()]);
      expect(polled.sort()).toEqual([0, 1]);
    });
  });
}
