import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveOf, seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

type DeltaItem = DriveItem & { deleted?: { state?: string } };
type DeltaPage = {
  "@odata.context": string;
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
  value: DeltaItem[];
};
type ErrorBody = { error: { code: string } };

describe("tracking changes (GET …/delta)", () => {
  let emu: TestEmulator;
  const get = async (urlOrPath: string, account = "personal") => {
    const res = urlOrPath.startsWith("http")
      ? await fetch(urlOrPath, { headers: { authorization: `Bearer ${emu.token(account)}` } })
      : await emu.graph(urlOrPath, { account });
    return { res, body: (await res.json()) as DeltaPage & ErrorBody };
  };
  /** Follows nextLinks until a page carries the deltaLink; returns every item and that link. */
  const round = async (first: string, account = "personal") => {
    const items: DeltaItem[] = [];
    const pages: DeltaPage[] = [];
    let next = first;
    for (;;) {
      const { res, body } = await get(next, account);
      expect(res.status).toBe(200);
      pages.push(body);
      items.push(...body.value);
      if (body["@odata.deltaLink"]) return { items, pages, deltaLink: body["@odata.deltaLink"] };
      expect(body["@odata.nextLink"]).toBeTruthy();
      next = body["@odata.nextLink"] ?? "";
    }
  };

  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  it("without a token, enumerates every item below the root, the root included, and ends with a deltaLink", async () => {
    await seedFile(emu, "personal", "Sync/a.txt", "a");
    await seedFile(emu, "personal", "Sync/Sub/b.txt", "b");
    const { items, pages, deltaLink } = await round("me/drive/root/delta");
    expect(pages[0]?.["@odata.context"]).toBe(`${emu.graphUrl}/$metadata#Collection(driveItem)`);
    const names = items.map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(["root", "Sync", "a.txt", "Sub", "b.txt"]));
    expect(items.find((i) => i.name === "root")?.root).toEqual({});
    const link = new URL(deltaLink);
    expect(link.origin + link.pathname).toBe(`${emu.graphUrl}/me/drive/root/delta`);
    expect(link.searchParams.get("token")).toBeTruthy();
  });

  it("a parent always comes before its children in the enumeration", async () => {
    const { items } = await round("me/drive/root/delta");
    const position = new Map(items.map((i, k) => [i.id, k]));
    for (const i of items) {
      const parentId = i.parentReference?.id;
      if (parentId) expect(position.get(parentId) ?? -1).toBeLessThan(position.get(i.id) ?? 0);
    }
  });

  it("delta items carry parentReference without path, as Microsoft documents (track items by id)", async () => {
    const { items } = await round("me/drive/root/delta");
    const a = items.find((i) => i.name === "a.txt");
    expect(a?.parentReference?.id).toBeTruthy();
    expect(a?.parentReference?.path).toBeUndefined();
  });

  it("pages with @odata.nextLink when there are more items than $top", async () => {
    for (let i = 0; i < 25; i++) seedFolder(emu, "personal", `Many/f${i}`);
    const { items, pages } = await round("me/drive/root/delta?$top=10");
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages.slice(0, -1)) {
      expect(p.value).toHaveLength(10);
      expect(p["@odata.deltaLink"]).toBeUndefined();
      expect(new URL(p["@odata.nextLink"] ?? "").origin).toBe(emu.url);
    }
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  });

  it("the deltaLink returns what changed since: new and modified items, with their parents", async () => {
    const { deltaLink } = await round("me/drive/root/delta");
    const added = await seedFile(emu, "personal", "Sync/new.txt", "new");
    const { items, deltaLink: next } = await round(deltaLink);
    const ids = items.map((i) => i.id);
    expect(ids).toContain(added.id);
    expect(items.find((i) => i.id === added.id)?.name).toBe("new.txt");
    expect(items.map((i) => i.name)).toContain("Sync");
    expect(items.map((i) => i.name)).not.toContain("b.txt");
    // Nothing changed since: an empty page with a deltaLink.
    const quiet = await round(next);
    expect(quiet.items).toEqual([]);
  });

  it("deleted items come with the deleted facet, their id, parentReference and (on personal drives) their name", async () => {
    const file = await seedFile(emu, "personal", "Trash/old.txt", "old");
    const { deltaLink } = await round("me/drive/root/delta?token=latest");
    expect((await emu.graph(`me/drive/items/${file.id}`, { method: "DELETE" })).status).toBe(204);
    const { items } = await round(deltaLink);
    const gone = items.find((i) => i.id === file.id);
    expect(gone?.deleted).toEqual({ state: "deleted" });
    expect(gone?.parentReference?.id).toBe(file.parentId);
    expect(gone?.name).toBe("old.txt");
  });

  it("on a business drive, deleted items omit the name", async () => {
    const file = await seedFile(emu, "work", "Trash/old.txt", "old");
    const { deltaLink } = await round("me/drive/root/delta?token=latest", "work");
    await emu.graph(`me/drive/items/${file.id}`, { method: "DELETE", account: "work" });
    const { items } = await round(deltaLink, "work");
    const gone = items.find((i) => i.id === file.id);
    expect(gone?.deleted).toBeDefined();
    expect(gone?.name).toBeUndefined();
  });

  it("token=latest answers an empty page with a deltaLink for now; later changes show up from it", async () => {
    const { res, body } = await get("me/drive/root/delta?token=latest");
    expect(res.status).toBe(200);
    expect(body.value).toEqual([]);
    expect(body["@odata.nextLink"]).toBeUndefined();
    const link = body["@odata.deltaLink"] ?? "";
    expect(link).toContain("/delta?token=");
    const later = await seedFile(emu, "personal", "Later/l.txt", "l");
    const { items } = await round(link);
    expect(items.map((i) => i.id)).toContain(later.id);
  });

  it("a rename shows up as a change of the item", async () => {
    const file = await seedFile(emu, "personal", "Ren/before.txt", "r");
    const { deltaLink } = await round("me/drive/root/delta?token=latest");
    await emu.graph(`me/drive/items/${file.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "after.txt" }),
    });
    const { items } = await round(deltaLink);
    expect(items.find((i) => i.id === file.id)?.name).toBe("after.txt");
  });

  it("items/{id}/delta tracks only that folder and what is below it", async () => {
    const scoped = seedFolder(emu, "personal", "Scoped");
    await seedFile(emu, "personal", "Scoped/in.txt", "in");
    await seedFile(emu, "personal", "Elsewhere/out.txt", "out");
    const { items, deltaLink } = await round(`me/drive/items/${scoped.id}/delta`);
    expect(items.map((i) => i.name).sort()).toEqual(["Scoped", "in.txt"]);
    await seedFile(emu, "personal", "Elsewhere/out2.txt", "out");
    const inside = await seedFile(emu, "personal", "Scoped/in2.txt", "in");
    const next = await round(deltaLink);
    expect(next.items.map((i) => i.id)).toContain(inside.id);
    expect(next.items.map((i) => i.name)).not.toContain("out2.txt");
  });

  it("the function-call form delta(token='…') is accepted", async () => {
    const { body } = await get("me/drive/root/delta?token=latest");
    const token = new URL(body["@odata.deltaLink"] ?? "").searchParams.get("token") ?? "";
    const { res } = await get(`me/drive/root/delta(token='${token}')`);
    expect(res.status).toBe(200);
  });

  it("a token older than the drive's delta floor answers 410 resyncRequired with a Location that starts over", async () => {
    const { deltaLink } = await round("me/drive/root/delta?token=latest");
    driveOf(emu, "personal").delta.invalidateTokens();
    const { res, body } = await get(deltaLink);
    expect(res.status).toBe(410);
    expect(body.error.code).toBe("resyncRequired");
    const location = res.headers.get("location") ?? "";
    expect(location.startsWith(`${emu.graphUrl}/me/drive/root/delta`)).toBe(true);
    const fresh = await round(location);
    expect(fresh.items.map((i) => i.name)).toContain("root");
    // The new round's deltaLink is valid again.
    expect((await get(fresh.deltaLink)).res.status).toBe(200);
  });

  it("a nextLink from before the floor is also stale", async () => {
    const first = await get("me/drive/root/delta?$top=2");
    driveOf(emu, "personal").delta.invalidateTokens();
    expect((await get(first.body["@odata.nextLink"] ?? "")).res.status).toBe(410);
  });

  it("a changed item during an enumeration is sent in the next round, never lost", async () => {
    const moving = await seedFile(emu, "personal", "Zeta/late.txt", "1");
    const first = await get("me/drive/root/delta?$top=1");
    await emu.graph(`me/drive/items/${moving.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "late-renamed.txt" }),
    });
    const rest = await round(first.body["@odata.nextLink"] ?? "");
    const next = await round(rest.deltaLink);
    const seen = [...first.body.value, ...rest.items, ...next.items].filter((i) => i.id === moving.id);
    expect(seen.at(-1)?.name).toBe("late-renamed.txt");
  });

  it("a token that was not issued for this drive or folder is 400", async () => {
    const { body } = await get("me/drive/root/delta?token=latest");
    const token = new URL(body["@odata.deltaLink"] ?? "").searchParams.get("token") ?? "";
    const scoped = seedFolder(emu, "personal", "Other");
    expect((await get(`me/drive/items/${scoped.id}/delta?token=${token}`)).res.status).toBe(400);
    expect((await get("me/drive/root/delta?token=garbage")).res.status).toBe(400);
  });
});
