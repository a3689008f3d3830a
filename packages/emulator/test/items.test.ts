import { createHash } from "node:crypto";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveOf, seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type Item = DriveItem & { "@odata.context"?: string; "@microsoft.graph.downloadUrl"?: string };
type ErrorBody = { error: { code: string; innerError?: { code?: string } } };

const json = { "content-type": "application/json" };

describe("driveItem resources: GET, PATCH and DELETE", () => {
  let emu: TestEmulator;
  const getItem = async (path: string, init: RequestInit & { account?: string } = {}) => {
    const res = await emu.graph(path, init);
    return { res, body: (res.status === 304 ? {} : await res.json()) as Item & ErrorBody };
  };
  const patch = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    getItem(path, { method: "PATCH", headers: { ...json, ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  describe("GET", () => {
    it("a file has Graph's driveItem properties, with sha1/sha256 (uppercase hex) beside quickXorHash on a personal drive", async () => {
      const bytes = Buffer.from("city,pop\nOslo,709000\n");
      await seedFile(emu, "personal", "Data/cities.csv", bytes);
      const { res, body } = await getItem("me/drive/root:/Data/cities.csv:");
      expect(res.status).toBe(200);
      expect(body).toMatchObject({
        name: "cities.csv",
        size: bytes.length,
        file: { mimeType: "text/csv" },
        parentReference: {
          driveType: "personal",
          driveId: emu.account("personal").driveId,
          path: "/drive/root:/Data",
        },
      });
      for (const key of [
        "id",
        "eTag",
        "cTag",
        "createdDateTime",
        "lastModifiedDateTime",
        "webUrl",
      ] as const) {
        expect(typeof body[key]).toBe("string");
      }
      expect(body.fileSystemInfo).toEqual({
        createdDateTime: expect.any(String),
        lastModifiedDateTime: expect.any(String),
      });
      expect(body["@microsoft.graph.downloadUrl"]).toMatch(new RegExp(`^${emu.url}/`));
      const hashes = body.file?.hashes;
      expect(hashes?.sha1Hash).toBe(createHash("sha1").update(bytes).digest("hex").toUpperCase());
      expect(hashes?.sha256Hash).toBe(createHash("sha256").update(bytes).digest("hex").toUpperCase());
      expect(hashes?.quickXorHash).toMatch(/^[A-Za-z0-9+/]{27}=$/);
      expect(body.folder).toBeUndefined();
    });

    it("a business drive reports quickXorHash only, and its folders have no cTag", async () => {
      await seedFile(emu, "work", "Team/plan.txt", "plan");
      const file = await getItem("me/drive/root:/Team/plan.txt:", { account: "work" });
      expect(Object.keys(file.body.file?.hashes ?? {})).toEqual(["quickXorHash"]);
      const folder = await getItem("me/drive/root:/Team:", { account: "work" });
      expect(folder.body.cTag).toBeUndefined();
      expect(folder.body.folder).toEqual({ childCount: 1 });
    });

    it("the root has root: {} and a parentReference without id or path", async () => {
      const { body } = await getItem("me/drive/root");
      expect(body.root).toEqual({});
      expect(body.parentReference).toEqual({
        driveId: emu.account("personal").driveId,
        driveType: "personal",
      });
    });

    it("parentReference.path is /drive/root: for children of the root (no trailing slash)", async () => {
      seedFolder(emu, "personal", "TopLevel");
      const { body } = await getItem("me/drive/root:/TopLevel:");
      expect(body.parentReference?.path).toBe("/drive/root:");
    });

    it("parentReference.path is /drive/root:/Folder/Sub deeper down, percent-encoded", async () => {
      await seedFile(emu, "personal", "My Folder/Sub #1/x.txt", "x");
      const { body } = await getItem(
        `me/drive/root:/${encodeURIComponent("My Folder")}/${encodeURIComponent("Sub #1")}/x.txt:`,
      );
      expect(body.parentReference?.path).toBe("/drive/root:/My%20Folder/Sub%20%231");
    });

    it("parentReference.path is /drives/{driveId}/root:/… when the item was addressed through /drives/{id}", async () => {
      const driveId = emu.account("personal").driveId;
      const { body } = await getItem(`drives/${driveId}/root:/Data/cities.csv:`);
      expect(body.parentReference?.path).toBe(`/drives/${driveId}/root:/Data`);
    });

    it("@odata.context names the entity set: users('{id}')/drive/root/$entity or …/items/$entity, drives('{id}')/… under /drives", async () => {
      const a = emu.account("personal");
      const byPath = await getItem("me/drive/root:/Data/cities.csv:");
      expect(byPath.body["@odata.context"]).toBe(
        `${emu.graphUrl}/$metadata#users('${a.id}')/drive/root/$entity`,
      );
      const byId = await getItem(`me/drive/items/${byPath.body.id}`);
      expect(byId.body["@odata.context"]).toBe(
        `${emu.graphUrl}/$metadata#users('${a.id}')/drive/items/$entity`,
      );
      const work = emu.account("work");
      const viaDrives = await getItem(`drives/${work.driveId}/root:/Team/plan.txt:`, { account: "work" });
      expect(viaDrives.body["@odata.context"]).toBe(
        `${emu.graphUrl}/$metadata#drives('${work.driveId.replace("!", "%21")}')/root/$entity`,
      );
    });

    it("$select returns only the named properties (and id)", async () => {
      const { body } = await getItem("me/drive/root:/Data/cities.csv:?$select=name,size");
      const { "@odata.context": _context, ...rest } = body;
      expect(Object.keys(rest).sort()).toEqual(["id", "name", "size"]);
    });

    it("$expand=children embeds the folder's children", async () => {
      const { body } = await getItem("me/drive/root:/Data:?$expand=children");
      expect(body.children?.map((c) => c.name)).toEqual(["cities.csv"]);
      const nested = await getItem("me/drive/root:/Data:?$expand=children($select=name)");
      expect(Object.keys(nested.body.children?.[0] ?? {}).sort()).toEqual(["id", "name"]);
    });

    it("If-None-Match with the current eTag (or cTag) answers 304 Not Modified with no body", async () => {
      const { body } = await getItem("me/drive/root:/Data/cities.csv:");
      const notModified = await emu.graph("me/drive/root:/Data/cities.csv:", {
        headers: { "if-none-match": body.eTag ?? "" },
      });
      expect(notModified.status).toBe(304);
      expect(await notModified.text()).toBe("");
      const byCTag = await emu.graph("me/drive/root:/Data/cities.csv:", {
        headers: { "if-none-match": body.cTag ?? "" },
      });
      expect(byCTag.status).toBe(304);
      const stale = await emu.graph("me/drive/root:/Data/cities.csv:", {
        headers: { "if-none-match": '"{00000000-0000-0000-0000-000000000000},1"' },
      });
      expect(stale.status).toBe(200);
    });
  });

  describe("PATCH", () => {
    it("renames an item (name) and answers 200 with the updated driveItem", async () => {
      const file = await seedFile(emu, "personal", "Rename/draft.txt", "d");
      const { res, body } = await patch(`me/drive/items/${file.id}`, { name: "final.txt" });
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ id: file.id, name: "final.txt" });
      expect((await getItem("me/drive/root:/Rename/final.txt:")).body.id).toBe(file.id);
      expect((await getItem("me/drive/root:/Rename/draft.txt:")).res.status).toBe(404);
    });

    it("a rename that only changes case keeps the item and its new case", async () => {
      const file = await seedFile(emu, "personal", "Rename/readme.md", "r");
      const { res, body } = await patch(`me/drive/items/${file.id}`, { name: "README.md" });
      expect(res.status).toBe(200);
      expect(body.name).toBe("README.md");
    });

    it("moves an item with parentReference.id", async () => {
      const file = await seedFile(emu, "personal", "Move/a.txt", "a");
      const dest = seedFolder(emu, "personal", "Move/Dest");
      const { body } = await patch(`me/drive/items/${file.id}`, { parentReference: { id: dest.id } });
      expect(body.parentReference).toMatchObject({ id: dest.id, path: "/drive/root:/Move/Dest" });
    });

    it("moves an item with parentReference.path in the /drive/root:/… form", async () => {
      const file = await seedFile(emu, "personal", "Move/b.txt", "b");
      seedFolder(emu, "personal", "Move/Other Dest");
      const { res, body } = await patch(`me/drive/items/${file.id}`, {
        parentReference: { path: "/drive/root:/Move/Other%20Dest" },
      });
      expect(res.status).toBe(200);
      expect(body.parentReference?.path).toBe("/drive/root:/Move/Other%20Dest");
    });

    it("moves and renames in one request", async () => {
      const file = await seedFile(emu, "personal", "Move/c.txt", "c");
      const root = (await getItem("me/drive/root")).body;
      const { body } = await patch(`me/drive/items/${file.id}`, {
        name: "c-moved.txt",
        parentReference: { id: root.id },
      });
      expect(body).toMatchObject({ name: "c-moved.txt", parentReference: { path: "/drive/root:" } });
    });

    it("updates fileSystemInfo (the client's own timestamps)", async () => {
      const file = await seedFile(emu, "personal", "Times/t.txt", "t");
      const fsi = { createdDateTime: "2020-01-02T03:04:05Z", lastModifiedDateTime: "2021-06-07T08:09:10Z" };
      const { body } = await patch(`me/drive/items/${file.id}`, { fileSystemInfo: fsi });
      expect(body.fileSystemInfo).toEqual(fsi);
    });

    it("a name clash fails with 409 nameAlreadyExists by default (also when only the case differs)", async () => {
      await seedFile(emu, "personal", "Clash/taken.txt", "1");
      const other = await seedFile(emu, "personal", "Clash/other.txt", "2");
      for (const name of ["taken.txt", "TAKEN.TXT"]) {
        const { res, body } = await patch(`me/drive/items/${other.id}`, { name });
        expect(res.status).toBe(409);
        expect(body.error.code).toBe("nameAlreadyExists");
      }
    });

    it("@microsoft.graph.conflictBehavior=rename in the body picks a free name", async () => {
      await seedFile(emu, "personal", "Clash2/report.csv", "1");
      const other = await seedFile(emu, "personal", "Clash2/x.csv", "2");
      const { res, body } = await patch(`me/drive/items/${other.id}`, {
        name: "report.csv",
        "@microsoft.graph.conflictBehavior": "rename",
      });
      expect(res.status).toBe(200);
      expect(body.name).toBe("report 1.csv");
    });

    it("@microsoft.graph.conflictBehavior=replace in the query replaces the item at the destination", async () => {
      const old = await seedFile(emu, "personal", "Clash3/data.csv", "old");
      const other = await seedFile(emu, "personal", "Clash3/new.csv", "new");
      const { res } = await patch(`me/drive/items/${other.id}?@microsoft.graph.conflictBehavior=replace`, {
        name: "data.csv",
      });
      expect(res.status).toBe(200);
      expect((await getItem(`me/drive/items/${old.id}`)).res.status).toBe(404);
      expect(emu.state.blobs.exists(old.content?.blobId ?? "")).toBe(false);
    });

    it("conflictBehavior=replace never replaces a folder that holds the item being moved", async () => {
      const file = await seedFile(emu, "personal", "Holder/Inner/f.txt", "f");
      const holder = await getItem("me/drive/root:/Holder:");
      const { res } = await patch(`me/drive/items/${file.id}`, {
        name: "Inner",
        parentReference: { id: holder.body.id },
        "@microsoft.graph.conflictBehavior": "replace",
      });
      expect(res.status).toBe(409);
      expect((await getItem(`me/drive/items/${file.id}`)).res.status).toBe(200);
    });

    it("If-Match with a stale eTag answers 412 resourceModified; with the current eTag it succeeds", async () => {
      const file = await seedFile(emu, "personal", "Etag/e.txt", "e");
      const current = (await getItem(`me/drive/items/${file.id}`)).body.eTag ?? "";
      await patch(`me/drive/items/${file.id}`, { name: "e2.txt" });
      const stale = await patch(`me/drive/items/${file.id}`, { name: "e3.txt" }, { "if-match": current });
      expect(stale.res.status).toBe(412);
      expect(stale.body.error.code).toBe("resourceModified");
      const fresh = (await getItem(`me/drive/items/${file.id}`)).body.eTag ?? "";
      expect(
        (await patch(`me/drive/items/${file.id}`, { name: "e3.txt" }, { "if-match": fresh })).res.status,
      ).toBe(200);
    });

    it("moving a folder into itself or a descendant is 400", async () => {
      const outer = seedFolder(emu, "personal", "Loop/Outer");
      const inner = seedFolder(emu, "personal", "Loop/Outer/Inner");
      expect(
        (await patch(`me/drive/items/${outer.id}`, { parentReference: { id: outer.id } })).res.status,
      ).toBe(400);
      expect(
        (await patch(`me/drive/items/${outer.id}`, { parentReference: { id: inner.id } })).res.status,
      ).toBe(400);
    });

    it("the root cannot be renamed or moved", async () => {
      expect((await patch("me/drive/root", { name: "NotRoot" })).res.status).toBe(400);
    });

    it("a destination that does not exist is 404", async () => {
      const file = await seedFile(emu, "personal", "Nowhere/n.txt", "n");
      const { res } = await patch(`me/drive/items/${file.id}`, {
        parentReference: { path: "/drive/root:/No/Such" },
      });
      expect(res.status).toBe(404);
    });

    it("a destination on another user's drive is 403", async () => {
      const file = await seedFile(emu, "personal", "Nowhere/m.txt", "m");
      const { res } = await patch(`me/drive/items/${file.id}`, {
        parentReference: { driveId: emu.account("personal2").driveId, id: "root" },
      });
      expect(res.status).toBe(403);
    });

    it("an invalid new name is 400 invalidRequest", async () => {
      const file = await seedFile(emu, "personal", "Bad/ok.txt", "o");
      const { res, body } = await patch(`me/drive/items/${file.id}`, { name: "what?.txt" });
      expect(res.status).toBe(400);
      expect(body.error.code).toBe("invalidRequest");
    });
  });

  describe("DELETE", () => {
    it("answers 204, after which the item is 404", async () => {
      const file = await seedFile(emu, "personal", "Del/gone.txt", "g");
      const res = await emu.graph(`me/drive/items/${file.id}`, { method: "DELETE" });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      expect((await getItem(`me/drive/items/${file.id}`)).res.status).toBe(404);
    });

    it("deletes a folder with everything below it, and releases the file bodies", async () => {
      const a = await seedFile(emu, "personal", "DelTree/a/1.txt", "1");
      const b = await seedFile(emu, "personal", "DelTree/b.txt", "2");
      const res = await emu.graph("me/drive/root:/DelTree:", { method: "DELETE" });
      expect(res.status).toBe(204);
      expect((await getItem(`me/drive/items/${a.id}`)).res.status).toBe(404);
      expect(emu.state.blobs.exists(a.content?.blobId ?? "")).toBe(false);
      expect(emu.state.blobs.exists(b.content?.blobId ?? "")).toBe(false);
    });

    it("If-Match with a stale eTag answers 412 and keeps the item", async () => {
      const file = await seedFile(emu, "personal", "Del/keep.txt", "k");
      const etag = (await getItem(`me/drive/items/${file.id}`)).body.eTag ?? "";
      await patch(`me/drive/items/${file.id}`, {
        fileSystemInfo: { lastModifiedDateTime: "2022-01-01T00:00:00Z" },
      });
      const res = await emu.graph(`me/drive/items/${file.id}`, {
        method: "DELETE",
        headers: { "if-match": etag },
      });
      expect(res.status).toBe(412);
      expect((await getItem(`me/drive/items/${file.id}`)).res.status).toBe(200);
    });

    it("the root cannot be deleted", async () => {
      const res = await emu.graph("me/drive/root", { method: "DELETE" });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await getItem("me/drive/root")).res.status).toBe(200);
    });

    it("a missing item is 404", async () => {
      const res = await emu.graph("me/drive/root:/Del/never-there.txt:", { method: "DELETE" });
      expect(res.status).toBe(404);
    });

    it("the drive's quota.deleted grows by what was deleted", async () => {
      const before = driveOf(emu, "personal").quota.deleted;
      const file = await seedFile(emu, "personal", "Del/sized.bin", new Uint8Array(4096));
      await emu.graph(`me/drive/items/${file.id}`, { method: "DELETE" });
      const quota = ((await (await emu.graph("me/drive")).json()) as { quota: { deleted: number } }).quota;
      expect(quota.deleted).toBe(before + 4096);
    });
  });
});
