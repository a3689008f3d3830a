import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type ErrorBody = { error: { code: string; innerError?: { code?: string } } };

/**
 * OneDrive's naming rules from Microsoft's "Restrictions and limitations in OneDrive and
 * SharePoint", as Graph enforces them: 400 invalidRequest.
 */
describe("OneDrive naming rules", () => {
  let emu: TestEmulator;
  let n = 0;
  const mkdir = async (name: string, account = "personal", parentPath = "me/drive/root") => {
    const res = await emu.graph(`${parentPath}/children`, {
      account,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, folder: {} }),
    });
    return { status: res.status, body: (await res.json()) as DriveItem & ErrorBody };
  };
  const fresh = () => `me/drive/root:/Rules${++n}:`;

  beforeAll(async () => {
    emu = await startTestEmulator();
    for (let i = 1; i <= 80; i++) seedFolder(emu, "personal", `Rules${i}`);
  });
  afterAll(() => emu.close());

  for (const ch of ['"', "*", ":", "<", ">", "?", "/", "\\", "|"]) {
    it(`the character ${JSON.stringify(ch)} is forbidden (innerError nameContainsInvalidCharacters)`, async () => {
      const r = await mkdir(`before${ch}after`, "personal", fresh());
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalidRequest");
      expect(r.body.error.innerError?.code).toBe("nameContainsInvalidCharacters");
    });
  }

  it("a control character is forbidden", async () => {
    expect((await mkdir("tab\there", "personal", fresh())).status).toBe(400);
  });

  it("leading or trailing spaces are forbidden", async () => {
    expect((await mkdir(" leading", "personal", fresh())).status).toBe(400);
    expect((await mkdir("trailing ", "personal", fresh())).status).toBe(400);
  });

  it("a trailing period is forbidden", async () => {
    expect((await mkdir("ends with dot.", "personal", fresh())).status).toBe(400);
  });

  for (const name of [
    ".lock",
    "CON",
    "prn",
    "AUX",
    "nul",
    "COM0",
    "com9",
    "LPT1",
    "LPT9",
    "desktop.ini",
    "DESKTOP.INI",
  ]) {
    it(`the reserved name ${JSON.stringify(name)} is refused, whatever its case`, async () => {
      const r = await mkdir(name, "personal", fresh());
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalidRequest");
    });
  }

  it("any name containing _vti_ is refused", async () => {
    expect((await mkdir("site_vti_cnf", "personal", fresh())).status).toBe(400);
  });

  it("a name starting with ~$ (an Office lock file) is refused", async () => {
    expect((await mkdir("~$budget.xlsx", "personal", fresh())).status).toBe(400);
  });

  it("business drives also refuse a leading ~; personal drives allow it", async () => {
    expect((await mkdir("~scratch", "work")).status).toBe(400);
    expect((await mkdir("~scratch", "personal", fresh())).status).toBe(201);
  });

  it("names that only look reserved are allowed: CON.txt, COM10, console, a dot inside", async () => {
    const parent = fresh();
    for (const name of ["CON.txt", "COM10", "console", "v1.2 final", ".hidden"]) {
      expect((await mkdir(name, "personal", parent)).status).toBe(201);
    }
  });

  for (const name of [
    "Invoice #42",
    "100% done",
    "Zoë's notes",
    "日本語のフォルダ",
    "emoji 📊 chart",
    "a+b=c & d;e",
    "%23 literal",
    "brackets [1] {2} (3)",
    "comma, semicolon; and 'quotes'",
  ]) {
    it(`realistic names with # % ' spaces and unicode are accepted and kept as given: ${JSON.stringify(name)}`, async () => {
      const r = await mkdir(name, "personal", fresh());
      expect(r.status).toBe(201);
      expect(r.body.name).toBe(name);
      const back = await emu.graph(`me/drive/items/${r.body.id}`);
      expect(((await back.json()) as DriveItem).name).toBe(name);
    });
  }

  it("a 255-character name is accepted", async () => {
    const name = `${"n".repeat(250)}.data`;
    expect(name).toHaveLength(255);
    const r = await mkdir(name, "personal", fresh());
    expect(r.status).toBe(201);
    expect(r.body.name).toBe(name);
  });

  it("a path longer than 400 characters is refused with innerError pathIsTooLong", async () => {
    const a = "a".repeat(200);
    const outer = await mkdir(a, "personal", fresh());
    expect(outer.status).toBe(201);
    const r = await mkdir("b".repeat(200), "personal", `me/drive/items/${outer.body.id}`);
    expect(r.status).toBe(400);
    expect(r.body.error.innerError?.code).toBe("pathIsTooLong");
  });

  it("the 400 characters count the path below the root: exactly 400 is accepted, 401 refused", async () => {
    const parent = fresh();
    const top = parent.slice("me/drive/root:/".length, -1);
    const outer = await mkdir("a".repeat(200), "personal", parent);
    const inside = `me/drive/items/${outer.body.id}`;
    const room = 400 - `${top}/${"a".repeat(200)}/`.length;
    const over = await mkdir("c".repeat(room + 1), "personal", inside);
    expect(over.status).toBe(400);
    expect(over.body.error.innerError?.code).toBe("pathIsTooLong");
    expect((await mkdir("b".repeat(room), "personal", inside)).status).toBe(201);
  });

  it("a move that would push a descendant's path past 400 characters is refused", async () => {
    const deep = await mkdir("d".repeat(190), "personal", fresh());
    await mkdir("e".repeat(150), "personal", `me/drive/items/${deep.body.id}`);
    const longParent = await mkdir("f".repeat(100), "personal", fresh());
    const res = await emu.graph(`me/drive/items/${deep.body.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parentReference: { id: longParent.body.id } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.innerError?.code).toBe("pathIsTooLong");
  });

  it("names are case-insensitive: a second folder differing only in case clashes (409)", async () => {
    const parent = fresh();
    expect((await mkdir("Quarterly", "personal", parent)).status).toBe(201);
    const r = await mkdir("QUARTERLY", "personal", parent);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("nameAlreadyExists");
  });

  it("names are case-preserving: the name keeps the case it was created with", async () => {
    const parent = fresh();
    await mkdir("MiXeD CaSe", "personal", parent);
    const res = await emu.graph(`${parent.replace(/:$/, "")}/mixed case:`);
    expect(((await res.json()) as DriveItem).name).toBe("MiXeD CaSe");
  });
});
