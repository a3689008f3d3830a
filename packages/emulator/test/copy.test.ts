import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveOf, seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type ErrorBody = { error: { code: string } };
type Monitor = {
  operation?: string;
  status: "notStarted" | "inProgress" | "completed" | "failed";
  percentageComplete: number;
  resourceId?: string;
  errorCode?: string;
};

describe("copying items (POST …/copy and its monitor URL)", () => {
  let emu: TestEmulator;
  const copy = (path: string, body: unknown, init: { account?: string; query?: string } = {}) =>
    emu.graph(`${path}/copy${init.query ?? ""}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(init.account ? { account: init.account } : {}),
    });
  /** The monitor needs no Authorization: fetched exactly as a client would, with none. */
  const poll = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as Monitor };
  };
  const waitDone = async (url: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await poll(url);
      if (r.body.status !== "inProgress" && r.body.status !== "notStarted") return r.body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error("copy did not finish");
  };
  const item = async (path: string, account?: string) =>
    (await (await emu.graph(path, account ? { account } : {})).json()) as DriveItem;

  beforeAll(async () => {
    emu = await startTestEmulator();
    emu.state.copies.timing.minDelayMs = 150;
  });
  afterAll(() => emu.close());

  it("answers 202 Accepted with an absolute Location monitor URL and no body", async () => {
    const file = await seedFile(emu, "personal", "Src/a.txt", "alpha");
    const dest = seedFolder(emu, "personal", "Dst1");
    const res = await copy(`me/drive/items/${file.id}`, { parentReference: { id: dest.id } });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
    const location = res.headers.get("location") ?? "";
    expect(new URL(location).origin).toBe(emu.url);
    expect(location).not.toContain("/v1.0/");
  });

  it("a folder copy is inProgress at first, then completed with the new item's resourceId; the monitor needs no auth", async () => {
    const src = seedFolder(emu, "personal", "Tree");
    await seedFile(emu, "personal", "Tree/one.csv", "1,2,3");
    await seedFile(emu, "personal", "Tree/Sub/two.txt", "two");
    const dest = seedFolder(emu, "personal", "Dst2");
    const res = await copy(`me/drive/items/${src.id}`, {
      parentReference: { driveId: emu.account("personal").driveId, id: dest.id },
    });
    const url = res.headers.get("location") ?? "";
    const first = await poll(url);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ operation: "ItemCopy", status: "inProgress" });
    expect(first.body.percentageComplete).toBeGreaterThanOrEqual(0);
    expect(first.body.percentageComplete).toBeLessThan(100);
    // Graph copies asynchronously: the copy is not there yet.
    expect((await emu.graph("me/drive/root:/Dst2/Tree:")).status).toBe(404);
    const done = await waitDone(url);
    expect(done).toMatchObject({ status: "completed", percentageComplete: 100 });
    const copied = await item(`me/drive/items/${done.resourceId}`);
    expect(copied).toMatchObject({ name: "Tree", parentReference: { id: dest.id }, size: src.size });
    expect(copied.id).not.toBe(src.id);
    const sub = await item("me/drive/root:/Dst2/Tree/Sub/two.txt:");
    const original = await item("me/drive/root:/Tree/Sub/two.txt:");
    expect(sub.file?.hashes).toEqual(original.file?.hashes);
    expect(sub.id).not.toBe(original.id);
  });

  it("a small file's copy may be done by the first poll; the copy has the same bytes' hashes", async () => {
    const file = await seedFile(emu, "personal", "Src/small.txt", "tiny");
    const res = await copy(`me/drive/items/${file.id}`, { name: "small copy.txt" });
    const done = await waitDone(res.headers.get("location") ?? "");
    expect(done.status).toBe("completed");
    const copied = await item(`me/drive/items/${done.resourceId}`);
    expect(copied).toMatchObject({ name: "small copy.txt", size: 4, parentReference: { id: file.parentId } });
    expect(copied.file?.hashes?.quickXorHash).toBe(
      (await item(`me/drive/items/${file.id}`)).file?.hashes?.quickXorHash,
    );
  });

  it("the copy shares the stored body: deleting the original leaves the copy's bytes in place", async () => {
    const file = await seedFile(emu, "personal", "Shared/body.bin", new Uint8Array(2048).fill(7));
    const res = await copy(`me/drive/items/${file.id}`, { name: "body copy.bin" });
    await waitDone(res.headers.get("location") ?? "");
    expect((await emu.graph(`me/drive/items/${file.id}`, { method: "DELETE" })).status).toBe(204);
    expect(emu.state.blobs.exists(file.content?.blobId ?? "")).toBe(true);
    const copy2 = await item("me/drive/root:/Shared/body copy.bin:");
    expect(copy2.size).toBe(2048);
  });

  it("parentReference may name the destination by path", async () => {
    const file = await seedFile(emu, "personal", "Src/by-path.txt", "p");
    seedFolder(emu, "personal", "Dest By Path");
    const res = await copy(`me/drive/items/${file.id}`, {
      parentReference: { path: "/drive/root:/Dest%20By%20Path" },
    });
    expect(res.status).toBe(202);
    await waitDone(res.headers.get("location") ?? "");
    expect((await emu.graph("me/drive/root:/Dest%20By%20Path/by-path.txt:")).status).toBe(200);
  });

  it("a destination name already in use is rejected up front with 409 nameAlreadyExists", async () => {
    const file = await seedFile(emu, "personal", "Clash/x.txt", "x");
    const res = await copy(`me/drive/items/${file.id}`, {});
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorBody).error.code).toBe("nameAlreadyExists");
    const sameNameOtherCase = await copy(`me/drive/items/${file.id}`, { name: "X.TXT" });
    expect(sameNameOtherCase.status).toBe(409);
    // "conflictBehavior is not supported for OneDrive Consumer": on a personal drive rename changes nothing.
    const renameAsked = await copy(
      `me/drive/items/${file.id}`,
      {},
      { query: "?@microsoft.graph.conflictBehavior=rename" },
    );
    expect(renameAsked.status).toBe(409);
  });

  it("on a business drive, @microsoft.graph.conflictBehavior=rename in the query copies under a free name", async () => {
    const file = await seedFile(emu, "work", "Plans/plan.docx", "plan");
    const res = await copy(
      `me/drive/items/${file.id}`,
      {},
      { account: "work", query: "?@microsoft.graph.conflictBehavior=rename" },
    );
    expect(res.status).toBe(202);
    const done = await waitDone(res.headers.get("location") ?? "");
    expect((await item(`me/drive/items/${done.resourceId}`, "work")).name).toBe("plan 1.docx");
  });

  it("conflictBehavior=rename onto a taken name keeps the name and path limits: a free name past them is 400 up front", async () => {
    const rename = { account: "work", query: "?@microsoft.graph.conflictBehavior=rename" };
    const innerCode = async (res: Response) =>
      ((await res.json()) as { error: { innerError?: { code?: string } } }).error.innerError?.code;
    const listed = async (path: string) =>
      ((await (await emu.graph(`${path}:/children`, { account: "work" })).json()) as { value: DriveItem[] })
        .value;

    // 255 characters fit; the free name "… 1.txt" would be 257.
    const longName = `${"n".repeat(251)}.txt`;
    const file = await seedFile(emu, "work", `Limits/${longName}`, "n");
    const byName = await copy(`me/drive/items/${file.id}`, {}, rename);
    expect(byName.status).toBe(400);
    expect(await innerCode(byName)).toBe("nameTooLong");

    // A folder whose deepest path is exactly 400 characters: renamed "Deep 1", that path would be 402.
    const folder = seedFolder(emu, "work", "Limits/Deep");
    const middle = "m".repeat(150);
    const room = 400 - `Limits/Deep/${middle}/`.length;
    await seedFile(emu, "work", `Limits/Deep/${middle}/${"p".repeat(room)}`, "p");
    const byPath = await copy(`me/drive/items/${folder.id}`, {}, rename);
    expect(byPath.status).toBe(400);
    expect(await innerCode(byPath)).toBe("pathIsTooLong");

    // Nothing was copied: the folder still holds only the file, the folder and the original names.
    expect((await listed("me/drive/root:/Limits")).map((i) => i.name).sort()).toEqual(
      ["Deep", longName].sort(),
    );
  });

  it("copying a folder into itself or a descendant is 400", async () => {
    const outer = seedFolder(emu, "personal", "Self/Outer");
    const inner = seedFolder(emu, "personal", "Self/Outer/Inner");
    expect((await copy(`me/drive/items/${outer.id}`, { parentReference: { id: outer.id } })).status).toBe(
      400,
    );
    expect((await copy(`me/drive/items/${outer.id}`, { parentReference: { id: inner.id } })).status).toBe(
      400,
    );
  });

  it("a missing source or destination is 404; another user's drive as destination is 403", async () => {
    const file = await seedFile(emu, "personal", "Src/lost.txt", "l");
    expect((await copy("me/drive/root:/No/Such.txt:", {})).status).toBe(404);
    expect(
      (await copy(`me/drive/items/${file.id}`, { parentReference: { path: "/drive/root:/Nope" } })).status,
    ).toBe(404);
    const foreign = await copy(`me/drive/items/${file.id}`, {
      parentReference: { driveId: emu.account("personal2").driveId, id: "root" },
    });
    expect(foreign.status).toBe(403);
  });

  it("an invalid new name is 400", async () => {
    const file = await seedFile(emu, "personal", "Src/named.txt", "n");
    expect((await copy(`me/drive/items/${file.id}`, { name: "bad:name.txt" })).status).toBe(400);
  });

  it("a copy whose source is deleted before it runs reports failed in the monitor", async () => {
    const src = seedFolder(emu, "personal", "Doomed");
    await seedFile(emu, "personal", "Doomed/f.txt", "f");
    emu.state.copies.timing.minDelayMs = 5_000;
    try {
      const res = await copy(`me/drive/items/${src.id}`, { name: "Doomed copy" });
      const url = res.headers.get("location") ?? "";
      expect((await poll(url)).body.status).toBe("inProgress");
      expect((await emu.graph(`me/drive/items/${src.id}`, { method: "DELETE" })).status).toBe(204);
      emu.state.clock.advance(10); // the job is due
      const done = await poll(url);
      expect(done.body.status).toBe("failed");
      expect(done.body.errorCode).toBe("itemNotFound");
    } finally {
      emu.state.copies.timing.minDelayMs = 150;
    }
  });

  it("an unknown monitor URL is 404", async () => {
    const res = await fetch(`${emu.url}/monitor/not-a-real-job`);
    expect(res.status).toBe(404);
  });

  it("a folder copy lands in the destination's quota and keeps the drive's totals right", async () => {
    const drive = driveOf(emu, "personal");
    const src = seedFolder(emu, "personal", "Quota");
    await seedFile(emu, "personal", "Quota/q.bin", new Uint8Array(1000));
    const used = drive.quota.used;
    const res = await copy(`me/drive/items/${src.id}`, { name: "Quota copy" });
    await waitDone(res.headers.get("location") ?? "");
    expect(drive.quota.used).toBe(used + 1000);
    expect((await item("me/drive/root:/Quota copy:")).size).toBe(1000);
  });
});
