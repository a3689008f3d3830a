import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type Item = DriveItem & { "@odata.context"?: string };
type ErrorBody = { error: { code: string; innerError?: { code?: string } } };

describe("creating folders (POST …/children with a folder facet)", () => {
  let emu: TestEmulator;
  const create = async (parentPath: string, body: Record<string, unknown>, query = "") => {
    const res = await emu.graph(`${parentPath}/children${query}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { res, body: (await res.json()) as Item & ErrorBody };
  };

  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  it("creates a folder under the root: 201 with the new driveItem, folder.childCount 0", async () => {
    const { res, body } = await create("me/drive/root", { name: "Reports 2026", folder: {} });
    expect(res.status).toBe(201);
    expect(body).toMatchObject({
      name: "Reports 2026",
      folder: { childCount: 0 },
      size: 0,
      parentReference: { path: "/drive/root:" },
    });
    expect(body["@odata.context"]).toContain("$metadata#");
    expect(res.headers.get("location")).toBe(
      `${emu.graphUrl}/me/drive/items/${encodeURIComponent(body.id ?? "")}`,
    );
    const fetched = (await (await emu.graph("me/drive/root:/Reports%202026:")).json()) as Item;
    expect(fetched.id).toBe(body.id);
  });

  it("creates a folder under a folder addressed by path and by id", async () => {
    const parent = seedFolder(emu, "personal", "Nest/Level 1");
    const byPath = await create("me/drive/root:/Nest/Level%201:", { name: "by path", folder: {} });
    expect(byPath.res.status).toBe(201);
    expect(byPath.body.parentReference).toMatchObject({ id: parent.id, path: "/drive/root:/Nest/Level%201" });
    const byId = await create(`me/drive/items/${parent.id}`, { name: "by id", folder: {} });
    expect(byId.res.status).toBe(201);
    expect(byId.body.parentReference?.id).toBe(parent.id);
  });

  it("under /drives/{id} the new folder's parentReference.path uses the /drives/{id}/root: form", async () => {
    const driveId = emu.account("personal").driveId;
    const { body } = await create(`drives/${driveId}/root:/Nest:`, { name: "via drives", folder: {} });
    expect(body.parentReference?.path).toBe(`/drives/${driveId}/root:/Nest`);
  });

  it("the parent's childCount counts the new folder", async () => {
    seedFolder(emu, "personal", "Counted");
    await create("me/drive/root:/Counted:", { name: "one", folder: {} });
    await create("me/drive/root:/Counted:", { name: "two", folder: {} });
    const parent = (await (await emu.graph("me/drive/root:/Counted:")).json()) as Item;
    expect(parent.folder?.childCount).toBe(2);
  });

  it("conflictBehavior fail (also the default) answers 409 nameAlreadyExists, even when only the case differs", async () => {
    await create("me/drive/root", { name: "Taken", folder: {} });
    for (const body of [
      { name: "Taken", folder: {} },
      { name: "TAKEN", folder: {}, "@microsoft.graph.conflictBehavior": "fail" },
    ]) {
      const r = await create("me/drive/root", body);
      expect(r.res.status).toBe(409);
      expect(r.body.error.code).toBe("nameAlreadyExists");
    }
  });

  it("conflictBehavior rename gives the new folder a free name: 'name 1', then 'name 2'", async () => {
    await create("me/drive/root", { name: "Photos", folder: {} });
    const first = await create("me/drive/root", {
      name: "Photos",
      folder: {},
      "@microsoft.graph.conflictBehavior": "rename",
    });
    expect(first.res.status).toBe(201);
    expect(first.body.name).toBe("Photos 1");
    const second = await create(
      "me/drive/root",
      { name: "Photos", folder: {} },
      "?@microsoft.graph.conflictBehavior=rename",
    );
    expect(second.body.name).toBe("Photos 2");
  });

  it("conflictBehavior replace over an existing folder keeps that folder", async () => {
    const existing = await create("me/drive/root", { name: "Keep", folder: {} });
    const again = await create("me/drive/root", {
      name: "Keep",
      folder: {},
      "@microsoft.graph.conflictBehavior": "replace",
    });
    expect(again.res.status).toBeLessThan(300);
    expect(again.body.id).toBe(existing.body.id);
  });

  it("conflictBehavior replace over a file replaces the file with the folder", async () => {
    const file = await seedFile(emu, "personal", "Swap/thing", "a file");
    const { res, body } = await create("me/drive/root:/Swap:", {
      name: "thing",
      folder: {},
      "@microsoft.graph.conflictBehavior": "replace",
    });
    expect(res.status).toBe(201);
    expect(body.folder).toBeDefined();
    expect(body.id).not.toBe(file.id);
    expect(emu.state.blobs.exists(file.content?.blobId ?? "")).toBe(false);
  });

  it("an unknown conflictBehavior is 400", async () => {
    const r = await create("me/drive/root", {
      name: "X",
      folder: {},
      "@microsoft.graph.conflictBehavior": "overwrite",
    });
    expect(r.res.status).toBe(400);
  });

  it("a parent that does not exist is 404 itemNotFound", async () => {
    const r = await create("me/drive/root:/Missing/Parent:", { name: "child", folder: {} });
    expect(r.res.status).toBe(404);
    expect(r.body.error.code).toBe("itemNotFound");
    const byId = await create("me/drive/items/4C5D9E8F1A2B3C6D!424242", { name: "child", folder: {} });
    expect(byId.res.status).toBe(404);
  });

  it("a body without a name or without a folder facet is 400 invalidRequest", async () => {
    expect((await create("me/drive/root", { folder: {} })).res.status).toBe(400);
    expect((await create("me/drive/root", { name: "no facet" })).res.status).toBe(400);
  });

  it("a body that is not JSON is 400", async () => {
    const res = await emu.graph("me/drive/root/children", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
  });

  it("a name that breaks OneDrive's rules is 400 invalidRequest with an innerError code", async () => {
    const r = await create("me/drive/root", { name: "bad|name", folder: {} });
    expect(r.res.status).toBe(400);
    expect(r.body.error.code).toBe("invalidRequest");
    expect(r.body.error.innerError?.code).toBe("nameContainsInvalidCharacters");
  });

  it("needs Files.ReadWrite: a read-only token gets 403 accessDenied", async () => {
    const res = await emu.graph("me/drive/root/children", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${emu.token("personal2", ["Files.Read"])}`,
      },
      body: JSON.stringify({ name: "nope", folder: {} }),
    });
    expect(res.status).toBe(403);
  });
});
