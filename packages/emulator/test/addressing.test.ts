import { request } from "node:http";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type ErrorBody = { error: { code: string } };
type Page = { value: DriveItem[] };

/** RFC 3986 percent-encoding of each segment, as clients must send paths. */
const enc = (path: string) => path.split("/").map(encodeURIComponent).join("/");

describe("addressing driveItems (Graph v1.0 URL forms)", () => {
  let emu: TestEmulator;
  let report: DriveItem;
  let folderId: string;
  const get = async (path: string, account?: string) => {
    const res = await emu.graph(path, account ? { account } : {});
    return { status: res.status, body: (await res.json()) as DriveItem & ErrorBody };
  };

  beforeAll(async () => {
    emu = await startTestEmulator();
    const item = await seedFile(emu, "personal", "Docs/Reports/q1.csv", "a,b\n1,2\n");
    report = { id: item.id, name: item.name };
    folderId = seedFolder(emu, "personal", "Docs/Reports").id;
    await seedFile(emu, "personal", "Docs/children", "a file named like an action");
    await seedFile(emu, "personal", "Docs/content", "a file named like an action");
  });
  afterAll(() => emu.close());

  it("by path from the root, with the closing colon: me/drive/root:/Docs/Reports/q1.csv:", async () => {
    const r = await get("me/drive/root:/Docs/Reports/q1.csv:");
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(report.id);
  });

  it("by path without the closing colon, which Graph allows for a plain GET", async () => {
    const r = await get("me/drive/root:/Docs/Reports/q1.csv");
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(report.id);
  });

  it("by id: me/drive/items/{id}", async () => {
    const r = await get(`me/drive/items/${report.id}`);
    expect(r.status).toBe(200);
    expect(r.body.name).toBe("q1.csv");
  });

  it("by id with the id percent-encoded (personal ids contain '!')", async () => {
    const r = await get(`me/drive/items/${encodeURIComponent(report.id ?? "")}`);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(report.id);
  });

  it("by a path relative to an id: items/{folderId}:/q1.csv:", async () => {
    const r = await get(`me/drive/items/${folderId}:/q1.csv:`);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(report.id);
  });

  it("items/root names the root, like root", async () => {
    const byAlias = await get("me/drive/items/root");
    const root = await get("me/drive/root");
    expect(byAlias.body.id).toBe(root.body.id);
    expect(root.body.root).toEqual({});
  });

  it("root:/{path}:/children lists a folder addressed by path", async () => {
    const res = await emu.graph("me/drive/root:/Docs/Reports:/children");
    expect(res.status).toBe(200);
    expect(((await res.json()) as Page).value.map((i) => i.name)).toEqual(["q1.csv"]);
  });

  it("/drives/{driveId}/… addresses the same items as /me/drive/…", async () => {
    const driveId = emu.account("personal").driveId;
    const byPath = await get(`drives/${driveId}/root:/Docs/Reports/q1.csv:`);
    const byId = await get(`drives/${driveId}/items/${report.id}`);
    expect(byPath.body.id).toBe(report.id);
    expect(byId.body.id).toBe(report.id);
  });

  it("/drive/… is the signed-in user's drive, like /me/drive/…", async () => {
    const r = await get("drive/root:/Docs/Reports/q1.csv:");
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(report.id);
  });

  it("another account's drive is 403 accessDenied, for its root and its items", async () => {
    const otherDrive = emu.account("personal2").driveId;
    expect((await get(`drives/${otherDrive}/root`)).status).toBe(403);
    const asWork = await get(`drives/${emu.account("personal").driveId}/items/${report.id}`, "work");
    expect(asWork.status).toBe(403);
    expect(asWork.body.error.code).toBe("accessDenied");
  });

  it("a missing path or id is 404 itemNotFound", async () => {
    const byPath = await get("me/drive/root:/Docs/nope.csv:");
    expect(byPath.status).toBe(404);
    expect(byPath.body.error.code).toBe("itemNotFound");
    expect((await get("me/drive/items/4C5D9E8F1A2B3C6D!99999")).status).toBe(404);
  });

  it("names are case-insensitive when addressed and keep the case they were created with", async () => {
    const r = await get("me/drive/root:/DOCS/reports/Q1.CSV:");
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(report.id);
    expect(r.body.name).toBe("q1.csv");
  });

  for (const name of [
    "Invoice #42.csv",
    "100% done.txt",
    "Annual report 2024.csv",
    "Zoë's notes.md",
    "日本語のファイル.txt",
    "emoji 📊 chart.png",
    "a+b=c & d;e.txt",
    "%23 literal percent-23.txt",
    "brackets [1] {2} (3).txt",
  ]) {
    it(`a percent-encoded segment is decoded exactly once: ${JSON.stringify(name)}`, async () => {
      const item = await seedFile(emu, "personal", `Names/${name}`, name);
      const r = await get(`me/drive/root:/${enc(`Names/${name}`)}:`);
      expect(r.status).toBe(200);
      expect(r.body.id).toBe(item.id);
      expect(r.body.name).toBe(name);
      const relative = await get(`me/drive/items/${item.parentId}:/${encodeURIComponent(name)}:`);
      expect(relative.body.id).toBe(item.id);
    });
  }

  it("%2F inside a segment is part of the name, never a separator", async () => {
    // Docs/Reports/q1.csv exists; "Reports/q1.csv" as ONE encoded name under Docs must not reach it.
    const r = await get("me/drive/root:/Docs/Reports%2Fq1.csv:");
    expect(r.status).toBe(404);
    const relative = await get(`me/drive/items/${folderId}:/..%2Fq1.csv:`);
    expect(relative.status).toBe(404);
  });

  it("%3A inside a segment does not close the path", async () => {
    const r = await get("me/drive/root:/Docs%3A/Reports:");
    expect(r.status).toBe(404);
  });

  it("with the closing colon, a final name spelled like an action is the item: root:/Docs/children:", async () => {
    const r = await get("me/drive/root:/Docs/children:");
    expect(r.status).toBe(200);
    expect(r.body.name).toBe("children");
    expect(r.body.file).toBeDefined();
  });

  it("without the closing colon, Graph takes a final 'children' as the action, which is why clients close paths", async () => {
    const res = await emu.graph("me/drive/root:/Docs/children");
    expect(res.status).toBe(200);
    const names = ((await res.json()) as Page).value.map((i) => i.name);
    expect(names).toContain("Reports");
  });

  it("'.' and '..' segments are refused with 400", async () => {
    // fetch would resolve the dots before sending; a raw request sends them as a client might.
    const rawStatus = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port: emu.port,
          path: `/v1.0/${path}`,
          headers: { authorization: `Bearer ${emu.token()}` },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await rawStatus("me/drive/root:/Docs/../Docs:")).toBe(400);
    expect(await rawStatus("me/drive/root:/./Docs:")).toBe(400);
  });

  it("broken percent-encoding is 400", async () => {
    expect((await get("me/drive/root:/Docs/%E0%A4%A:")).status).toBe(400);
  });

  it("an unknown segment after an item is 400 BadRequest", async () => {
    expect((await get("me/drive/root:/Docs:/nonsense")).status).toBe(400);
    expect((await get("me/drive/items")).status).toBe(400);
    expect((await get("me/nothing")).status).toBe(400);
  });

  it("a trailing slash does not change what a URL names", async () => {
    const r = await get("me/drive/root:/Docs/Reports:/");
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(folderId);
  });
});
