import { describe, expect, it } from "vitest";
import { DIALECTS } from "./helpers.ts";
import { connectOneDrive, createTestUser, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();

interface Listed {
  integrations: { status: string; lastError: string | null }[];
}

// `GET /api/v1/integrations?check=1` (what the web page asks on load): the broker tries the stored token at
// Microsoft, so a grant revoked there shows as needs_reconnect at once, not at the next job's mint.
for (const dialect of DIALECTS) {
  describe(`the integrations check on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("leaves a working connection connected, and finds a revoked grant", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      const list = (check: boolean) =>
        b.inject({
          method: "GET",
          url: `/api/v1/integrations${check ? "?check=1" : ""}`,
          headers: ada.bearer,
        });

      expect((await list(true)).json<Listed>().integrations[0]?.status).toBe("connected");
      await b.emu.admin.revoke("personal");
      // Without the check the broker has no reason to ask Microsoft yet.
      expect((await list(false)).json<Listed>().integrations[0]?.status).toBe("connected");
      const checked = (await list(true)).json<Listed>().integrations[0];
      expect(checked?.status).toBe("needs_reconnect");
      expect(checked?.lastError).toMatch(/AADSTS/);
    });

    it("does nothing for a user without a connection, and refuses other query values", async () => {
      const bob = await createTestUser(b, "bob");
      const none = await b.inject({
        method: "GET",
        url: "/api/v1/integrations?check=1",
        headers: bob.bearer,
      });
      expect(none.json<Listed>().integrations[0]?.status).toBe("disconnected");
      const bad = await b.inject({
        method: "GET",
        url: "/api/v1/integrations?check=yes",
        headers: bob.bearer,
      });
      expect(bad.statusCode).toBe(400);
    });
  });
}
