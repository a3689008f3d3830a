import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import {
  connectOneDrive,
  createTestUser,
  graphMe,
  makeStale,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";
import { type BrokerProcess, startBrokerProcessFor, stopBrokerProcess } from "./support/brokerProcess.ts";

const emulator = useEmulator();
const CALLERS = 500;

for (const dialect of DIALECTS) {
  describe(`two broker processes sharing one ${dialect} database`, () => {
    const b = useBroker(dialect, emulator);
    const processes: BrokerProcess[] = [];
    afterEach(async () => {
      await Promise.all(processes.splice(0).map((p) => stopBrokerProcess(p, "SIGKILL")));
    });

    it(`${CALLERS} concurrent mints of an expired token over both give every caller a valid token, from exactly one refresh`, async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const started = await Promise.all([0, 1].map(() => startBrokerProcessFor(b)));
      processes.push(...started);
      await b.emu.admin.expireTokens();
      await makeStale(b, ada.user.id);
      const before = await b.emu.admin.refreshGrants();

      const responses = await Promise.all(
        Array.from({ length: CALLERS }, async (_, i) => {
          const res = await fetch(`${started[i % 2]!.url}/api/v1/integrations/onedrive/token`, {
            method: "POST",
            headers: ada.bearer,
          });
          return { status: res.status, body: (await res.json()) as { accessToken?: string } };
        }),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const tokens = new Set(responses.map((r) => r.body.accessToken));
      // Every caller's token works at Graph (they share the one refreshed token, so checking each distinct one checks all).
      for (const token of tokens) expect((await graphMe(b.emu, token!)).status).toBe(200);
      expect(tokens.size).toBe(1);
      expect((await b.emu.admin.refreshGrants()) - before).toBe(1);
    });
  });
}
