import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definitionQuickXorHash } from "./quickXorHashDefinition.ts";
import { driveOf, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

interface DriveItem {
  id: string;
  name: string;
  size: number;
  eTag: string;
  cTag: string;
  "@odata.context"?: string;
  "@microsoft.graph.downloadUrl"?: string;
  parentReference: { driveId: string; driveType: string; id: string; path: string };
  file?: { mimeType: string; hashes: Record<string, string> };
}

interface GraphError {
  error: { code: string; message: string };
}

describe("simple upload: PUT …/content", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  const put = (path: string, body: Uint8Array | string, init: RequestInit & { account?: string } = {}) =>
    emu.graph(path, { ...init, method: "PUT", body: typeof body === "string" ? body : Buffer.from(body) });

  async function download(item: DriveItem): Promise<Buffer> {
    const url = item["@microsoft.graph.downloadUrl"];
    expect(url).toBeTruthy();
    return Buffer.from(await (await fetch(url ?? "")).arrayBuffer());
  }

  it("creates a new file by path: 201 Created with the driveItem", async () => {
    const res = await put("me/drive/root:/hello.txt:/content", "The contents of the file goes here.");
    expect(res.status).toBe(201);
    const item = (await res.json()) as DriveItem;
    expect(item.name).toBe("hello.txt");
    expect(item.size).toBe(35);
    expect(item.file?.mimeType).toBe("text/plain");
    expect(item.parentReference.path).toBe("/drive/root:");
    expect(item["@odata.context"]).toMatch(/\$metadata#drives\('.+'\)\/items\/\$entity$/);
    expect((await download(item)).toString()).toBe("The contents of the file goes here.");
  });

  it("creates the missing parent folders of a path-addressed upload", async () => {
    const res = await put("me/drive/root:/New/Deeper/leaf.txt:/content", "leaf");
    expect(res.status).toBe(201);
    const item = (await res.json()) as DriveItem;
    expect(item.parentReference.path).toBe("/drive/root:/New/Deeper");
    const drive = driveOf(emu);
    expect(drive.resolve(drive.root, ["New", "Deeper"])?.folder).toBe(true);
  });

  it("replaces an existing file's content: 200 OK, same id, new eTag and cTag", async () => {
    const first = (await (await put("me/drive/root:/replace-me.txt:/content", "one")).json()) as DriveItem;
    const res = await put("me/drive/root:/replace-me.txt:/content", "two, longer");
    expect(res.status).toBe(200);
    const second = (await res.json()) as DriveItem;
    expect(second.id).toBe(first.id);
    expect(second.eTag).not.toBe(first.eTag);
    expect(second.cTag).not.toBe(first.cTag);
    expect(second.size).toBe(11);
    expect((await download(second)).toString()).toBe("two, longer");
  });

  it("replaces by id (PUT items/{id}/content) with 200", async () => {
    const first = (await (await put("me/drive/root:/by-id.txt:/content", "v1")).json()) as DriveItem;
    const res = await put(`me/drive/items/${first.id}/content`, "v2!");
    expect(res.status).toBe(200);
    const item = (await res.json()) as DriveItem;
    expect(item.id).toBe(first.id);
    expect((await download(item)).toString()).toBe("v2!");
  });

  it("creates a new file below a parent id (PUT items/{parentId}:/{name}:/content) with 201", async () => {
    const folder = seedFolder(emu, "personal", "ByParent");
    const res = await put(`me/drive/items/${folder.id}:/child.txt:/content`, "child");
    expect(res.status).toBe(201);
    const item = (await res.json()) as DriveItem;
    expect(item.parentReference.id).toBe(folder.id);
    expect(item.parentReference.path).toBe("/drive/root:/ByParent");
  });

  it("works through /drives/{driveId} and echoes that base in parentReference.path", async () => {
    const drive = driveOf(emu);
    const res = await put(`drives/${drive.id}/root:/ViaDrives/x.txt:/content`, "x");
    expect(res.status).toBe(201);
    expect(((await res.json()) as DriveItem).parentReference.path).toBe(
      `/drives/${drive.id}/root:/ViaDrives`,
    );
  });

  describe("@microsoft.graph.conflictBehavior", () => {
    it("fail: an existing name answers 409 nameAlreadyExists and keeps the old content", async () => {
      await put("me/drive/root:/conflict.txt:/content", "original");
      const res = await put(
        "me/drive/root:/conflict.txt:/content?@microsoft.graph.conflictBehavior=fail",
        "new",
      );
      expect(res.status).toBe(409);
      expect(((await res.json()) as GraphError).error.code).toBe("nameAlreadyExists");
      const drive = driveOf(emu);
      expect(drive.child(drive.root, "conflict.txt")?.size).toBe(8);
    });

    it("fail: also applies when the name differs only in case (names are case-insensitive)", async () => {
      const res = await put(
        "me/drive/root:/CONFLICT.TXT:/content?@microsoft.graph.conflictBehavior=fail",
        "x",
      );
      expect(res.status).toBe(409);
    });

    it("rename: the upload gets a free name and 201", async () => {
      await put("me/drive/root:/renamed.txt:/content", "a");
      const res = await put(
        "me/drive/root:/renamed.txt:/content?%40microsoft.graph.conflictBehavior=rename",
        "b",
      );
      expect(res.status).toBe(201);
      expect(((await res.json()) as DriveItem).name).toBe("renamed 1.txt");
    });

    it("replace is the default for PUT", async () => {
      await put("me/drive/root:/default.txt:/content", "a");
      expect((await put("me/drive/root:/default.txt:/content", "b")).status).toBe(200);
    });

    it("an unknown value answers 400", async () => {
      const res = await put(
        "me/drive/root:/bad.txt:/content?@microsoft.graph.conflictBehavior=overwrite",
        "b",
      );
      expect(res.status).toBe(400);
    });
  });

  describe("If-Match / If-None-Match", () => {
    it("a stale eTag in If-Match answers 412 resourceModified", async () => {
      const first = (await (await put("me/drive/root:/etag.txt:/content", "1")).json()) as DriveItem;
      await put("me/drive/root:/etag.txt:/content", "2");
      const res = await put("me/drive/root:/etag.txt:/content", "3", { headers: { "if-match": first.eTag } });
      expect(res.status).toBe(412);
      expect(((await res.json()) as GraphError).error.code).toBe("resourceModified");
    });

    it("the current eTag (or cTag) in If-Match lets the upload through", async () => {
      const first = (await (await put("me/drive/root:/etag2.txt:/content", "1")).json()) as DriveItem;
      const res = await put("me/drive/root:/etag2.txt:/content", "2", {
        headers: { "if-match": first.eTag },
      });
      expect(res.status).toBe(200);
      const second = (await res.json()) as DriveItem;
      expect(
        (await put("me/drive/root:/etag2.txt:/content", "3", { headers: { "if-match": second.cTag } }))
          .status,
      ).toBe(200);
    });

    it("If-None-Match: * refuses to overwrite an existing file with 412", async () => {
      await put("me/drive/root:/exists.txt:/content", "1");
      const res = await put("me/drive/root:/exists.txt:/content", "2", { headers: { "if-none-match": "*" } });
      expect(res.status).toBe(412);
      expect(
        (await put("me/drive/root:/fresh-name.txt:/content", "2", { headers: { "if-none-match": "*" } }))
          .status,
      ).toBe(201);
    });
  });

  it("a Content-Length over 250 MB answers 413 before any byte is read", async () => {
    const url = new URL(`${emu.graphUrl}/me/drive/root:/huge.bin:/content`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: "PUT",
          headers: {
            authorization: `Bearer ${emu.token()}`,
            "content-length": String(250 * 1024 * 1024 + 1),
          },
        },
        (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          req.destroy();
        },
      );
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it("a full drive answers 507 quotaLimitReached", async () => {
    const emu2 = await startTestEmulator();
    try {
      const drive = driveOf(emu2);
      drive.quota.total = drive.quota.used + 100;
      const res = await emu2.graph("me/drive/root:/too-big.bin:/content", {
        method: "PUT",
        body: Buffer.alloc(101),
      });
      expect(res.status).toBe(507);
      expect(((await res.json()) as GraphError).error.code).toBe("quotaLimitReached");
      expect(drive.child(drive.root, "too-big.bin")).toBeUndefined();
    } finally {
      await emu2.close();
    }
  });

  it("a 0-byte file can be uploaded (201, size 0, the empty hashes)", async () => {
    const res = await put("me/drive/root:/empty.txt:/content", "");
    expect(res.status).toBe(201);
    const item = (await res.json()) as DriveItem;
    expect(item.size).toBe(0);
    expect(item.file?.hashes.quickXorHash).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    expect(item.file?.hashes.sha1Hash).toBe("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
  });

  it("names with #, %, spaces, ' and unicode round-trip exactly when each segment is percent-encoded", async () => {
    for (const name of ["a#b.txt", "100% sure.txt", "it's here.txt", "naïve café 日本.txt", "#%'.txt"]) {
      const res = await put(`me/drive/root:/Odd/${encodeURIComponent(name)}:/content`, name);
      expect(res.status, name).toBe(201);
      const item = (await res.json()) as DriveItem;
      expect(item.name).toBe(name);
      expect((await download(item)).toString()).toBe(name);
      const drive = driveOf(emu);
      expect(drive.resolve(drive.root, ["Odd", name])?.id).toBe(item.id);
    }
  });

  it("a name OneDrive forbids answers 400 invalidRequest and creates nothing", async () => {
    const res = await put(`me/drive/root:/Bad/${encodeURIComponent("a|b.txt")}:/content`, "x");
    expect(res.status).toBe(400);
    expect(((await res.json()) as GraphError).error.code).toBe("invalidRequest");
    expect(driveOf(emu).child(driveOf(emu).root, "Bad")).toBeUndefined();
  });

  it("uploading file content onto a folder's name answers 409, and onto the root 400", async () => {
    seedFolder(emu, "personal", "AFolder");
    expect((await put("me/drive/root:/AFolder:/content", "x")).status).toBe(409);
    expect((await put("me/drive/root/content", "x")).status).toBe(400);
  });

  it("personal drives report quickXorHash, sha1Hash and sha256Hash of exactly the bytes sent", async () => {
    const bytes = randomBytes(300_001);
    const item = (await (await put("me/drive/root:/hashed.bin:/content", bytes)).json()) as DriveItem;
    expect(item.file?.hashes).toEqual({
      quickXorHash: definitionQuickXorHash(bytes),
      sha1Hash: createHash("sha1").update(bytes).digest("hex").toUpperCase(),
      sha256Hash: createHash("sha256").update(bytes).digest("hex").toUpperCase(),
    });
  });

  it("business drives report quickXorHash only", async () => {
    const bytes = randomBytes(5000);
    const res = await put("me/drive/root:/hashed.bin:/content", bytes, { account: "work" });
    expect(res.status).toBe(201);
    const item = (await res.json()) as DriveItem;
    expect(item.parentReference.driveType).toBe("business");
    expect(item.file?.hashes).toEqual({ quickXorHash: definitionQuickXorHash(bytes) });
  });

  it("counts the bytes received in bytesIn", async () => {
    const before = emu.state.counters.bytesIn;
    await put("me/drive/root:/counted.bin:/content", Buffer.alloc(12_345, 1));
    expect(emu.state.counters.bytesIn - before).toBe(12_345);
  });

  it("a body cut off mid-upload leaves no file behind", async () => {
    const url = new URL(`${emu.graphUrl}/me/drive/root:/cut.bin:/content`);
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: "PUT",
        headers: { authorization: `Bearer ${emu.token()}`, "content-length": "100000" },
      });
      req.on("error", () => resolve());
      req.write(Buffer.alloc(50_000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(driveOf(emu).child(driveOf(emu).root, "cut.bin")).toBeUndefined();
  });
});
