import type { Drive, User } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveOf, seedFile, startTestEmulator, type TestEmulator } from "./support.ts";

type WithContext<T> = T & { "@odata.context": string };
type ErrorBody = { error: { code: string; message: string } };

describe("GET /me and the user's drive", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  it("/me returns the user resource with Graph's default properties and @odata.context users/$entity", async () => {
    const res = await emu.graph("me");
    expect(res.status).toBe(200);
    const me = (await res.json()) as WithContext<User>;
    expect(me["@odata.context"]).toBe(`${emu.graphUrl}/$metadata#users/$entity`);
    expect(me).toMatchObject({
      businessPhones: [],
      displayName: "Ada Lovelace",
      givenName: "Ada",
      surname: "Lovelace",
      jobTitle: null,
      mobilePhone: null,
      officeLocation: null,
      userPrincipalName: "ada.lovelace@outlook.example",
    });
    expect(typeof me.preferredLanguage).toBe("string");
  });

  it("a personal account has mail: null and a 16-hex-digit id, so clients use mail ?? userPrincipalName", async () => {
    const me = (await (await emu.graph("me")).json()) as User;
    expect(me.mail).toBeNull();
    expect(me.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a work account has a GUID id and a mail address", async () => {
    const me = (await (await emu.graph("me", { account: "work" })).json()) as User;
    expect(me.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(me.mail).toBe("grace.hopper@contoso.example");
  });

  it("/me needs a User.Read scope: a Files-only token gets 403 accessDenied", async () => {
    // personal2 has no other grant in this emulator, so its token carries exactly these scopes.
    const res = await emu.graph("me", {
      headers: { authorization: `Bearer ${emu.token("personal2", ["Files.ReadWrite"])}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorBody).error.code).toBe("accessDenied");
  });

  it("/me/drive returns the drive with id, driveType, owner.user, quota and @odata.context drives/$entity", async () => {
    const res = await emu.graph("me/drive");
    expect(res.status).toBe(200);
    const drive = (await res.json()) as WithContext<Drive>;
    expect(drive["@odata.context"]).toBe(`${emu.graphUrl}/$metadata#drives/$entity`);
    expect(drive.id).toBe(emu.account("personal").driveId);
    expect(drive.driveType).toBe("personal");
    expect(drive.name).toBe("OneDrive");
    expect(drive.owner?.user).toEqual({ id: emu.account("personal").id, displayName: "Ada Lovelace" });
    expect(drive.quota).toEqual({
      deleted: expect.any(Number),
      remaining: expect.any(Number),
      state: "normal",
      total: expect.any(Number),
      used: expect.any(Number),
    });
    expect(typeof drive.createdDateTime).toBe("string");
    expect(typeof drive.lastModifiedDateTime).toBe("string");
    expect(drive.webUrl).toMatch(/^http/);
  });

  it("a work account's drive has driveType business", async () => {
    const drive = (await (await emu.graph("me/drive", { account: "work" })).json()) as Drive;
    expect(drive.driveType).toBe("business");
    expect(drive.id).toBe(emu.account("work").driveId);
  });

  it("/drives/{id} answers the same drive as /me/drive; another user's drive is 403, an unknown one 404", async () => {
    const id = emu.account("personal").driveId;
    const drive = (await (await emu.graph(`drives/${id}`)).json()) as Drive;
    expect(drive.id).toBe(id);
    const other = await emu.graph(`drives/${emu.account("personal2").driveId}`);
    expect(other.status).toBe(403);
    expect(((await other.json()) as ErrorBody).error.code).toBe("accessDenied");
    const unknown = await emu.graph("drives/0123456789abcdef");
    expect(unknown.status).toBe(404);
  });

  it("quota.used counts file bytes, remaining = total - used, and deleted bytes move to quota.deleted", async () => {
    const before = ((await (await emu.graph("me/drive")).json()) as Drive).quota;
    const file = await seedFile(emu, "personal", "Quota/ten-kib.bin", new Uint8Array(10_240));
    const after = ((await (await emu.graph("me/drive")).json()) as Drive).quota;
    expect(after?.used).toBe((before?.used ?? 0) + 10_240);
    expect(after?.remaining).toBe((after?.total ?? 0) - (after?.used ?? 0));
    expect((await emu.graph(`me/drive/items/${file.id}`, { method: "DELETE" })).status).toBe(204);
    const deleted = ((await (await emu.graph("me/drive")).json()) as Drive).quota;
    expect(deleted?.used).toBe(before?.used);
    expect(deleted?.deleted).toBe((before?.deleted ?? 0) + 10_240);
  });

  it("quota.state follows Microsoft's thresholds: nearing under 10% remaining, critical under 1%, exceeded over", async () => {
    const emu2 = await startTestEmulator();
    try {
      await seedFile(emu2, "personal", "big.bin", new Uint8Array(1000));
      const drive = driveOf(emu2, "personal");
      const stateWith = async (total: number) => {
        drive.quota.total = total;
        return ((await (await emu2.graph("me/drive")).json()) as Drive).quota?.state;
      };
      expect(await stateWith(1_000_000)).toBe("normal");
      expect(await stateWith(1_050)).toBe("nearing"); // 50 of 1,050 left: under 10%
      expect(await stateWith(1_005)).toBe("critical"); // 5 of 1,005 left: under 1%
      expect(await stateWith(999)).toBe("exceeded");
    } finally {
      await emu2.close();
    }
  });

  it("a drive over its quota refuses new items with 507 quotaLimitReached", async () => {
    const emu2 = await startTestEmulator();
    try {
      await seedFile(emu2, "personal", "big.bin", new Uint8Array(1000));
      driveOf(emu2, "personal").quota.total = 500;
      const res = await emu2.graph("me/drive/root/children", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "More", folder: {} }),
      });
      expect(res.status).toBe(507);
      expect(((await res.json()) as ErrorBody).error.code).toBe("quotaLimitReached");
      // The transfer routes ask the drive the same question before storing bytes.
      expect(() => driveOf(emu2, "personal").quota.check(1)).toThrowError(/quota/i);
    } finally {
      await emu2.close();
    }
  });
});
