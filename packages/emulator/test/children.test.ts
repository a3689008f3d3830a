import { Readable } from "node:stream";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveOf, seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type Page = { "@odata.context": string; "@odata.nextLink"?: string; value: DriveItem[] };
type ErrorBody = { error: { code: string } };

/**
 * Puts `count` items in a new folder: even ones files sharing one body, odd ones folders, with
 * names carrying the characters that trip clients up (`#`, `%`, spaces, accents).
 */
async function seedFolderOf(emu: TestEmulator, path: string, count: number): Promise<string[]> {
  const drive = driveOf(emu, "personal");
  const folder = seedFolder(emu, "personal", path);
  const content = await emu.state.blobs.ingest(Readable.from([Buffer.from("shared body")]), drive.driveType);
  const names: string[] = [];
  const now = emu.state.clock.iso();
  for (let i = 0; i < count; i++) {
    const name = `Item #${String(i).padStart(5, "0")} – 50% é${i % 2 === 0 ? ".csv" : ""}`;
    if (i % 2 === 0) {
      if (i > 0) emu.state.blobs.retain(content.blobId);
      drive.create(folder, name, { folder: false, content }, "fail", now);
    } else {
      drive.create(folder, name, { folder: true }, "fail", now);
    }
    names.push(name);
  }
  return names;
}

describe("listing children (GET …/children)", () => {
  let emu: TestEmulator;
  let names2500: string[];
  const list = async (path: string): Promise<{ status: number; page: Page & ErrorBody }> => {
    const res = await (path.startsWith("http")
      ? fetch(path, { headers: { authorization: `Bearer ${emu.token()}` } })
      : emu.graph(path));
    return { status: res.status, page: (await res.json()) as Page & ErrorBody };
  };
  /** Follows @odata.nextLink exactly as given until the last page. */
  const listAll = async (first: string) => {
    const pages: Page[] = [];
    let next: string | undefined = first;
    while (next) {
      const { status, page } = await list(next);
      expect(status).toBe(200);
      pages.push(page);
      next = page["@odata.nextLink"];
    }
    return pages;
  };
  const sortedNames = (names: string[]) =>
    [...names].sort((a, b) =>
      a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
    );

  beforeAll(async () => {
    emu = await startTestEmulator();
    names2500 = await seedFolderOf(emu, "Big", 2500);
  });
  afterAll(() => emu.close());

  it("the collection has @odata.context and value; a folder addressed by id names items('{id}')/children", async () => {
    await seedFile(emu, "personal", "Small/one.txt", "1");
    const byPath = await list("me/drive/root:/Small:/children");
    expect(byPath.page["@odata.context"]).toBe(`${emu.graphUrl}/$metadata#Collection(driveItem)`);
    expect(byPath.page.value.map((i) => i.name)).toEqual(["one.txt"]);
    const folderId = (await (await emu.graph("me/drive/root:/Small:")).json()) as DriveItem;
    const byId = await list(`me/drive/items/${folderId.id}/children`);
    expect(byId.page["@odata.context"]).toBe(
      `${emu.graphUrl}/$metadata#users('${emu.account("personal").id}')/drive/items('${folderId.id?.replace("!", "%21")}')/children`,
    );
    const root = await list("me/drive/root/children");
    expect(root.page["@odata.context"]).toBe(
      `${emu.graphUrl}/$metadata#users('${emu.account("personal").id}')/drive/root/children`,
    );
  });

  it("a 2,500-item folder comes in pages of 200 by default, linked by an absolute @odata.nextLink with $skiptoken", async () => {
    const pages = await listAll("me/drive/root:/Big:/children");
    expect(pages.map((p) => p.value.length)).toEqual([...Array(12).fill(200), 100]);
    for (const p of pages.slice(0, -1)) {
      const link = new URL(p["@odata.nextLink"] ?? "");
      expect(link.origin).toBe(emu.url);
      expect(link.searchParams.get("$skiptoken")).toBeTruthy();
    }
    expect(pages.at(-1)?.["@odata.nextLink"]).toBeUndefined();
    const names = pages.flatMap((p) => p.value.map((i) => i.name ?? ""));
    expect(names).toEqual(sortedNames(names2500));
  });

  it("$top=1000 (Graph's maximum) pages the same folder in 3 pages, in name order", async () => {
    const pages = await listAll("me/drive/root:/Big:/children?$top=1000");
    expect(pages.map((p) => p.value.length)).toEqual([1000, 1000, 500]);
    expect(pages.flatMap((p) => p.value.map((i) => i.name))).toEqual(sortedNames(names2500));
  });

  it("$top above 1000 is 400, as are 0 and non-numbers", async () => {
    for (const top of ["1001", "0", "ten"]) {
      const { status, page } = await list(`me/drive/root:/Big:/children?$top=${top}`);
      expect(status).toBe(400);
      expect(page.error.code).toBe("invalidRequest");
    }
  });

  it("the nextLink carries the original $select, $orderby and $top, so following it as given keeps them", async () => {
    const pages = await listAll(
      "me/drive/root:/Big:/children?$select=name,size&$orderby=name%20desc&$top=700",
    );
    expect(pages.map((p) => p.value.length)).toEqual([700, 700, 700, 400]);
    for (const p of pages) {
      for (const item of p.value) expect(Object.keys(item).sort()).toEqual(["id", "name", "size"]);
    }
    expect(pages.flatMap((p) => p.value.map((i) => i.name))).toEqual(sortedNames(names2500).reverse());
  });

  it("$orderby accepts size and lastModifiedDateTime", async () => {
    await seedFile(emu, "personal", "Order/b-large.txt", "x".repeat(300));
    await seedFile(emu, "personal", "Order/a-medium.txt", "x".repeat(200));
    await seedFile(emu, "personal", "Order/c-small.txt", "x".repeat(100));
    const bySize = await list("me/drive/root:/Order:/children?$orderby=size");
    expect(bySize.page.value.map((i) => i.size)).toEqual([100, 200, 300]);
    const bySizeDesc = await list("me/drive/root:/Order:/children?$orderby=size desc");
    expect(bySizeDesc.page.value.map((i) => i.size)).toEqual([300, 200, 100]);
    const byTime = await list("me/drive/root:/Order:/children?$orderby=lastModifiedDateTime");
    const times = byTime.page.value.map((i) => i.lastModifiedDateTime ?? "");
    expect(times).toEqual([...times].sort());
    expect((await list("me/drive/root:/Order:/children?$orderby=color")).status).toBe(400);
  });

  it("the default order is by name, case-insensitively", async () => {
    for (const n of ["banana.txt", "Apple.txt", "cherry.txt", "apricot.txt"])
      await seedFile(emu, "personal", `Case/${n}`, n);
    const { page } = await list("me/drive/root:/Case:/children");
    expect(page.value.map((i) => i.name)).toEqual(["Apple.txt", "apricot.txt", "banana.txt", "cherry.txt"]);
  });

  it("a $skiptoken that was not issued for this listing is 400", async () => {
    const first = await list("me/drive/root:/Big:/children?$top=10");
    const link = new URL(first.page["@odata.nextLink"] ?? "");
    const token = link.searchParams.get("$skiptoken") ?? "";
    expect((await list(`me/drive/root:/Big:/children?$skiptoken=${token.slice(0, -2)}xx`)).status).toBe(400);
    expect((await list(`me/drive/root:/Order:/children?$skiptoken=${token}`)).status).toBe(400);
  });

  it("children of a folder that does not exist is 404 itemNotFound", async () => {
    const { status, page } = await list("me/drive/root:/No/Such/Folder:/children");
    expect(status).toBe(404);
    expect(page.error.code).toBe("itemNotFound");
  });

  // How fast a large folder lists is a benchmark (bench/scenarios/list.ts, as a ratio to Microsoft's
  // Graph SDK listing the same folder in the same run); what a test can hold is how many requests it takes.
  it("a 20,000-item folder lists with $top=1000 in at most 21 requests, every item once and in order", async () => {
    const names = await seedFolderOf(emu, "Huge", 20_000);
    const countListings = () => emu.admin.requestCount({ method: "GET", route: /\/children$/ });
    const before = await countListings();
    const pages = await listAll("me/drive/root:/Huge:/children?$top=1000");
    expect((await countListings()) - before).toBeLessThanOrEqual(21);
    expect(pages.reduce((n, p) => n + p.value.length, 0)).toBe(20_000);
    expect(new Set(pages.flatMap((p) => p.value.map((i) => i.id))).size).toBe(20_000);
    expect(pages.flatMap((p) => p.value.map((i) => i.name))).toEqual(sortedNames(names));
  });

  it("items added or removed between pages do not make the rest of a listing repeat or skip items", async () => {
    const names = await seedFolderOf(emu, "Moving", 50);
    const first = await list("me/drive/root:/Moving:/children?$top=20");
    const seen = first.page.value.map((i) => i.name ?? "");
    // Remove one already listed and add one that sorts before the cursor.
    const drive = driveOf(emu, "personal");
    const folder = drive.resolve(drive.root, ["Moving"]);
    const listed = folder && drive.child(folder, seen[0] ?? "");
    if (folder && listed) {
      drive.remove(listed, emu.state.clock.iso());
      drive.create(folder, "AAA first.txt", { folder: true }, "fail", emu.state.clock.iso());
    }
    const rest = await listAll(first.page["@odata.nextLink"] ?? "");
    const after = rest.flatMap((p) => p.value.map((i) => i.name ?? ""));
    expect([...seen, ...after]).toEqual(sortedNames(names));
  });

  it("a file's children collection is empty", async () => {
    await seedFile(emu, "personal", "Leaf/file.txt", "f");
    const { status, page } = await list("me/drive/root:/Leaf/file.txt:/children");
    expect(status).toBe(200);
    expect(page.value).toEqual([]);
  });

  it("refuses OData options it does not implement ($filter, $search, $count, $skip, other expansions) with 400 instead of ignoring them", async () => {
    await seedFile(emu, "personal", "Unfiltered/a.txt", "a");
    for (const query of [
      "$filter=name eq 'a.txt'",
      "filter=name eq 'a.txt'",
      "$search=a",
      "$count=true",
      "$skip=1",
      "$expand=thumbnails",
    ]) {
      const { status, page } = await list(`me/drive/root:/Unfiltered:/children?${query}`);
      expect({ query, status, code: page.error?.code }).toEqual({
        query,
        status: 400,
        code: "invalidRequest",
      });
    }
    const item = await emu.graph("me/drive/root:/Unfiltered?$expand=children,thumbnails");
    expect(item.status).toBe(400);
    expect(((await item.json()) as { error: { message: string } }).error.message).toContain("thumbnails");
    const nested = await emu.graph("me/drive/root:/Unfiltered?$expand=children($filter=name eq 'a.txt')");
    expect(nested.status).toBe(400);
    // What it does implement still works.
    expect((await emu.graph("me/drive/root:/Unfiltered?$expand=children($select=name)")).status).toBe(200);
  });
});
