// Globbing across nested folders, on OneDrive and locally, and proof from the emulator's request
// counters that only the folders a pattern can reach are listed.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalFileSystem } from "../src/index.ts";
import { type Harness, harness, requestCount } from "./support.ts";

let h: Harness;
const FILES = [
  "a/x/b.csv",
  "a/y/b.csv",
  "a/y/c.csv",
  "a/z/deep/b.csv",
  "a/top.csv",
  "a/.hidden.csv",
  "other/x/b.csv",
  "other/big/1/2/3/4/5/b.csv",
  "reports/2024-01.csv",
  "reports/2024-02.csv",
  "reports/2024-11.json",
  "reports/2025-01.csv",
];

beforeAll(async () => {
  h = await harness();
  await h.emu.admin.seed({ account: "personal", files: FILES.map((path) => ({ path, content: path })) });
});

afterAll(async () => {
  await h?.close();
});

const listings = () => requestCount(h.emu, "GET", /children/);

describe("onedrive://", () => {
  test("* matches within one folder level", async () => {
    expect(await h.fs.glob("a/*/b.csv")).toEqual(["a/x/b.csv", "a/y/b.csv"]);
    expect(await h.fs.glob("onedrive://a/*.csv")).toEqual(["a/.hidden.csv", "a/top.csv"]);
  });

  test("a/*/b.csv lists only a, never the rest of the drive", async () => {
    await h.emu.admin.resetCounters();
    await h.fs.glob("a/*/b.csv");
    expect(await listings()).toBe(1);
  });

  test("literal segments after a wildcard are followed without listing", async () => {
    await h.emu.admin.resetCounters();
    expect(await h.fs.glob("*/x/b.csv")).toEqual(["a/x/b.csv", "other/x/b.csv"]);
    // The root only: a/x/b.csv and other/x/b.csv are then checked directly.
    expect(await listings()).toBe(1);
  });

  test("** crosses any number of folders, including none", async () => {
    expect(await h.fs.glob("a/**/b.csv")).toEqual(["a/x/b.csv", "a/y/b.csv", "a/z/deep/b.csv"]);
    expect(await h.fs.glob("**/b.csv")).toEqual([
      "a/x/b.csv",
      "a/y/b.csv",
      "a/z/deep/b.csv",
      "other/big/1/2/3/4/5/b.csv",
      "other/x/b.csv",
    ]);
    expect(await h.fs.glob("a/z/**")).toEqual(["a/z/deep", "a/z/deep/b.csv"]);
  });

  test("a/** lists the folders below a, and only those", async () => {
    await h.emu.admin.resetCounters();
    await h.fs.glob("a/**/b.csv");
    // a, a/x, a/y, a/z, a/z/deep
    expect(await listings()).toBe(5);
  });

  test("? and [abc] / [!abc] classes", async () => {
    expect(await h.fs.glob("reports/2024-0?.csv")).toEqual(["reports/2024-01.csv", "reports/2024-02.csv"]);
    expect(await h.fs.glob("reports/202[45]-01.*")).toEqual(["reports/2024-01.csv", "reports/2025-01.csv"]);
    expect(await h.fs.glob("reports/2024-[!0]*")).toEqual(["reports/2024-11.json"]);
    expect(await h.fs.glob("a/[xy]/[a-b].csv")).toEqual(["a/x/b.csv", "a/y/b.csv"]);
  });

  test("no match, a missing folder, and a pattern without wildcards", async () => {
    expect(await h.fs.glob("nothing/*/b.csv")).toEqual([]);
    expect(await h.fs.glob("a/*/zzz.csv")).toEqual([]);
    expect(await h.fs.glob("a/top.csv")).toEqual(["a/top.csv"]);
    expect(await h.fs.glob("a/nope.csv")).toEqual([]);
  });

  test("detail gives each match's info", async () => {
    const found = await h.fs.glob("reports/*.json", { detail: true });
    expect(Object.keys(found)).toEqual(["reports/2024-11.json"]);
    expect(found["reports/2024-11.json"]?.size).toBe("reports/2024-11.json".length);
  });
});

describe("local", () => {
  test("the same patterns give the same matches on a local copy", async () => {
    const root = join(h.tmp, "globroot");
    for (const f of FILES) {
      await mkdir(dirname(join(root, f)), { recursive: true });
      await writeFile(join(root, f), f);
    }
    const local = new LocalFileSystem();
    const rel = (paths: string[]) => paths.map((p) => p.slice(root.length + 1));
    for (const pattern of ["a/*/b.csv", "**/b.csv", "reports/202[45]-01.*", "a/z/**", "*/x/b.csv"]) {
      expect(rel(await local.glob(`${root}/${pattern}`)), pattern).toEqual(await h.fs.glob(pattern));
    }
    expect(rel(await local.glob(`file://${root}/reports/*.json`))).toEqual(["reports/2024-11.json"]);
  });
});
