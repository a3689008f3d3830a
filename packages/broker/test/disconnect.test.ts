import { describe, expect, it } from "vitest";
import { listAudit } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import { connectOneDrive, createTestUser, mint, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();

for (const dialect of DIALECTS) {
  describe(`disconnecting OneDrive on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("deletes every stored secret of the connection, keeps a secret-free audit record, and leaves the files alone", async () => {
      const ada = await createTestUser(b, "ada");
      await b.emu.admin.seed({
        account: "personal",
        files: [{ path: "reports/q1.csv", content: "a,b\n1,2\n" }],
      });
      await connectOneDrive(b, ada);
      const minted = (await mint(b, ada)).json();
      // A pending device sign-in, whose device code is a stored secret too.
      const device = await b.inject({
        method: "POST",
        url: "/api/v1/integrations/onedrive/device",
        headers: ada.bearer,
      });
      expect(device.statusCode).toBe(200);
      expect(device.json().userCode).toMatch(/^[A-Z0-9]{9}$/);
      // Stored, encrypted, before the disconnect: so "deleted" below is something that happened.
      const pending = await b.database.db.kysely
        .selectFrom("oauth_states")
        .selectAll()
        .where("user_id", "=", ada.user.id)
        .execute();
      expect(pending.filter((s) => s.device_code_enc !== null)).toHaveLength(1);

      const res = await b.inject({
        method: "DELETE",
        url: "/api/v1/integrations/onedrive",
        headers: ada.bearer,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.disconnected).toBe(true);
      expect(body.message).toContain("untouched");
      expect(body.message).toContain("Microsoft has no way for an app to revoke");
      expect(body.removeAccess.personal).toContain("account.microsoft.com");
      expect(body.removeAccess.workOrSchool).toContain("myapps.microsoft.com");

      // Read back from the database: no row, so no encrypted column, is left for the user.
      const db = b.database.db.kysely;
      expect(
        await db.selectFrom("connections").selectAll().where("user_id", "=", ada.user.id).execute(),
      ).toEqual([]);
      const states = await db
        .selectFrom("oauth_states")
        .selectAll()
        .where("user_id", "=", ada.user.id)
        .execute();
      expect(states.filter((s) => s.code_verifier_enc !== null || s.device_code_enc !== null)).toEqual([]);

      const audit = await listAudit(b.database.db, { userId: ada.user.id });
      const entry = audit.find((e) => e.action === "connection.disconnected");
      expect(entry?.detail).toEqual({ provider: "onedrive", accountEmail: "ada.lovelace@outlook.example" });
      expect(JSON.stringify(audit)).not.toContain(minted.accessToken);

      expect((await mint(b, ada)).json().error.code).toBe("not_connected");
      const list = (
        await b.inject({ method: "GET", url: "/api/v1/integrations", headers: ada.bearer })
      ).json();
      expect(list.integrations[0]).toMatchObject({ status: "disconnected", account: null });

      // The files are still there, untouched.
      const { accessToken } = await b.emu.admin.token("personal");
      const file = await fetch(`${b.emu.graphUrl}/me/drive/root:/reports/q1.csv:/content`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(await file.text()).toBe("a,b\n1,2\n");
    });

    it("disconnecting when not connected is harmless and says so", async () => {
      const ada = await createTestUser(b, "ada");
      const res = await b.inject({
        method: "DELETE",
        url: "/api/v1/integrations/onedrive",
        headers: ada.bearer,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().disconnected).toBe(false);
    });
  });
}
