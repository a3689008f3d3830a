import { describe, expect, it } from "vitest";
import { listAudit, recordAudit } from "../src/index.ts";
import { DIALECTS, useTestDatabase } from "./helpers.ts";

for (const dialect of DIALECTS) {
  describe(`audit trail on ${dialect}`, () => {
    const t = useTestDatabase(dialect);

    it("refuses detail fields named like secrets and stores nothing for them", async () => {
      for (const field of [
        "refreshToken",
        "access_token",
        "clientSecret",
        "code",
        "device_code",
        "apiKey",
        "password",
      ]) {
        await expect(
          recordAudit(t.db, { userId: null, action: "x", detail: { [field]: "value" } }),
        ).rejects.toThrow(`audit detail field "${field}" looks like a secret`);
      }
      expect(await listAudit(t.db)).toEqual([]);
    });

    it("keeps events in the order they were recorded, newest first, filtered by user", async () => {
      for (const action of ["first", "second", "third"]) {
        await recordAudit(t.db, { userId: "u1", action, detail: { keyId: "abc", ok: true, count: 2 } });
      }
      await recordAudit(t.db, { userId: "u2", action: "other" });
      const events = await listAudit(t.db, { userId: "u1" });
      expect(events.map((e) => e.action)).toEqual(["third", "second", "first"]);
      expect(events[0]?.detail).toEqual({ keyId: "abc", ok: true, count: 2 });
      expect(await listAudit(t.db, { limit: 2 })).toHaveLength(2);
    });
  });
}
