import { describe, expect, it, vi } from "vitest";
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

/** Waits for the background poller to move the flow to `wanted` (a wait for an event, not a timing). */
async function waitForStatus(b: BrokerUnderTest, user: TestUser, wanted: string) {
  await vi.waitFor(async () => expect(await deviceStatus(b, user)).toBe(wanted), {
    timeout: 60_000,
    interval: 50,
  });
}

/** Polls of Microsoft's token endpoint (the device-code grant), as the emulator counted them. */
const tokenRequests = (b: BrokerUnderTest) =>
  b.emu.admin.requestCount({ method: "POST", route: "oauth2/v2.0/token" });

/** Makes every pending device flow due now, as the passing of its interval would. */
const makeDue = (b: BrokerUnderTest) =>
  b.database.db.kysely
    .updateTable("oauth_states")
    .set({ next_poll_at: Date.now() - 1 })
    .execute();

for (const dialect of DIALECTS) {
  describe(`connecting OneDrive (device code) on ${dialect}`, () => {
    const b = useBroker(dialect, emulator, { devicePollIntervalMs: 100 });

    it("polls Microsoft itself until the user approves, then connects", async () => {
      const grace = await createTestUser(b, "grace");
      const started = await startDevice(b, grace);
      expect(started.verificationUri).toBe(`${b.emu.url}/devicelogin`);
      expect(started.userCode).toMatch(/^[A-Z0-9]{9}$/);
      expect(started.interval).toBe(1);
      expect(Date.parse(started.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
      expect(await deviceStatus(b, grace)).toBe("pending");
      // The background poller asks Microsoft while the user has not approved yet (how often: see the
      // interval test below, which drives the polls itself).
      await vi.waitFor(async () => expect(await tokenRequests(b)).toBeGreaterThanOrEqual(1), {
        timeout: 60_000,
        interval: 50,
      });
      expect(await deviceStatus(b, grace)).toBe("pending");
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
    // No background poller (the harness turns it off): each test drives the polls itself.
    const b = useBroker(dialect, emulator);

    it("polls no faster than Microsoft's interval, however often the poller ticks", async () => {
      const ada = await createTestUser(b, "ada");
      const started = await startDevice(b, ada);
      expect(started.interval).toBe(1);
      // Just started: the first poll is one interval away.
      expect(await b.broker.pollDeviceFlows()).toBe(0);
      await makeDue(b);
      const before = Date.now();
      expect(await b.broker.pollDeviceFlows()).toBe(1);
      const after = Date.now();
      expect(await tokenRequests(b)).toBe(1);
      const [row] = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      expect(row?.poll_interval_ms).toBe(1_000);
      expect(row!.next_poll_at).toBeGreaterThanOrEqual(before + 1_000);
      expect(row!.next_poll_at).toBeLessThanOrEqual(after + 1_000);
      // Ticks before the interval has passed poll nothing.
      for (let tick = 0; tick < 3; tick++) expect(await b.broker.pollDeviceFlows()).toBe(0);
      expect(await tokenRequests(b)).toBe(1);
      await makeDue(b);
      expect(await b.broker.pollDeviceFlows()).toBe(1);
      expect(await tokenRequests(b)).toBe(2);
      expect(await deviceStatus(b, ada)).toBe("pending");
    });

    it("slow_down adds 5 seconds to the interval, for this and every later poll", async () => {
      const ada = await createTestUser(b, "ada");
      await startDevice(b, ada);
      // Microsoft's answer to a client polling too fast, scripted at the emulator's token endpoint.
      await b.emu.admin.faults({
        method: "POST",
        path: "/oauth2/v2.0/token",
        status: 400,
        code: "slow_down",
        message: "The client is polling too frequently.",
      });
      await makeDue(b);
      const before = Date.now();
      expect(await b.broker.pollDeviceFlows()).toBe(1);
      const after = Date.now();
      expect((await b.emu.admin.counters()).faults.scripted).toBe(1);
      const [row] = await b.database.db.kysely.selectFrom("oauth_states").selectAll().execute();
      expect(row?.poll_interval_ms).toBe(6_000);
      expect(row!.next_poll_at).toBeGreaterThanOrEqual(before + 6_000);
      expect(row!.next_poll_at).toBeLessThanOrEqual(after + 6_000);
      // Not due again yet: nothing is polled.
      expect(await b.broker.pollDeviceFlows()).toBe(0);
    });

    it("two instances polling the same flow take turns: one poll per interval between them", async () => {
      const ada = await createTestUser(b, "ada");
      await startDevice(b, ada);
      const other = await b.startAnother();
      await makeDue(b);
      const polled = await Promise.all([b.broker.pollDeviceFlows(), other.pollDeviceFlows()]);
      expect(polled.sort()).toEqual([0, 1]);
    });
  });
}
