// Every LocalFileSystem method, on a scratch folder: the same interface as onedrive://.

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { QuickXorHash } from "@ferry/graph";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { LocalFileSystem } from "../src/index.ts";

const fs = new LocalFileSystem();
const ALPHABET = "abcdefghijklmnopqrstuvwxyz";
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
let root = "";
const p = (rel: string) => join(root, rel);

beforeEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = await mkdtemp(join(tmpdir(), "ferry-local-"));
  await mkdir(p("data/2024"), { recursive: true });
  await mkdir(p("empty"));
  await writeFile(p("data/letters.txt"), ALPHABET);
  await writeFile(p("data/2024/jan.csv"), "a,b\n1,2\n");
  await writeFile(p("notes.md"), "# notes");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("inspecting", () => {
  test("normalize takes file:// URLs, absolute and relative paths", () => {
    expect(fs.normalize(pathToFileURL(p("data")).href)).toBe(p("data"));
    expect(fs.normalize(p("data/../notes.md"))).toBe(p("notes.md"));
    expect(fs.normalize("rel/x.csv")).toBe(join(process.cwd(), "rel/x.csv"));
  });

  test("ls, info, exists, isFile, isDir", async () => {
    expect((await fs.ls(p("data"))).sort()).toEqual([p("data/2024"), p("data/letters.txt")]);
    expect(await fs.ls(p("data/letters.txt"))).toEqual([p("data/letters.txt")]);
    expect(await fs.ls(p("empty"))).toEqual([]);
    const info = await fs.info(p("data/letters.txt"));
    expect(info).toMatchObject({ name: p("data/letters.txt"), size: 26, type: "file" });
    expect(info.mtime).toBeInstanceOf(Date);
    expect((await fs.ls(p("data"), { detail: true })).find((i) => i.type === "directory")?.name).toBe(
      p("data/2024"),
    );
    expect(await fs.exists(p("nope"))).toBe(false);
    expect(await fs.isFile(p("notes.md"))).toBe(true);
    expect(await fs.isDir(p("data"))).toBe(true);
    expect(await fs.isDir(p("notes.md"))).toBe(false);
  });

  test("walk, find, du, glob", async () => {
    const walked: string[] = [];
    for await (const [dir, , files] of fs.walk(p("data"))) walked.push(`${dir}:${files.join(",")}`);
    expect(walked).toEqual([`${p("data")}:letters.txt`, `${p("data/2024")}:jan.csv`]);
    expect(await fs.find(root)).toEqual([p("data/2024/jan.csv"), p("data/letters.txt"), p("notes.md")]);
    expect(await fs.find(root, { withDirs: true, maxDepth: 1 })).toEqual([
      root,
      p("data"),
      p("empty"),
      p("notes.md"),
    ]);
    expect(await fs.du(p("data"))).toBe(34);
    expect(await fs.du(p("data"), { total: false })).toEqual({
      [p("data/2024/jan.csv")]: 8,
      [p("data/letters.txt")]: 26,
    });
    expect(await fs.glob(`${root}/**/*.csv`)).toEqual([p("data/2024/jan.csv")]);
  });

  test("checksum is the QuickXorHash of the bytes", async () => {
    expect(await fs.checksum(p("data/letters.txt"))).toBe(
      new QuickXorHash().update(new TextEncoder().encode(ALPHABET)).digest(),
    );
  });
});

describe("reading", () => {
  test("cat and catRanges, with negative offsets", async () => {
    expect(text(await fs.cat(p("data/letters.txt")))).toBe(ALPHABET);
    expect(text(await fs.cat(p("data/letters.txt"), { start: -3 }))).toBe("xyz");
    expect(text(await fs.cat(p("data/letters.txt"), { start: 1, end: -24 }))).toBe("b");
    const parts = await fs.catRanges([p("data/letters.txt"), p("notes.md")], [0, -5], [2, undefined]);
    expect(parts.map(text)).toEqual(["ab", "notes"]);
  });

  test("open reads at positions and slices", async () => {
    const file = await fs.open(p("data/letters.txt"));
    expect(file.size).toBe(26);
    expect(text(await file.read(24, 10))).toBe("yz");
    expect(text(new Uint8Array(await file.slice(-3)))).toBe("xyz");
    await file.close();
  });

  test("createReadStream, whole and ranged", async () => {
    const collect = async (s: Readable) => {
      const parts: Buffer[] = [];
      for await (const c of s) parts.push(c as Buffer);
      return Buffer.concat(parts).toString();
    };
    expect(await collect(fs.createReadStream(p("data/letters.txt")))).toBe(ALPHABET);
    expect(await collect(fs.createReadStream(p("data/letters.txt"), { start: 2, end: 4 }))).toBe("cd");
    expect(await collect(fs.createReadStream(p("data/letters.txt"), { start: -2 }))).toBe("yz");
  });
});

describe("writing", () => {
  test("writeFile and pipe create parent folders and leave no partial file", async () => {
    await fs.writeFile(p("new/deep/out.txt"), "out");
    expect(await readFile(p("new/deep/out.txt"), "utf8")).toBe("out");
    await fs.pipe(p("new/piped.txt"), Readable.from([Buffer.from("a"), Buffer.from("b")]));
    expect(await readFile(p("new/piped.txt"), "utf8")).toBe("ab");
    expect((await fs.ls(p("new"))).sort()).toEqual([p("new/deep"), p("new/piped.txt")]);
  });

  test("put and get copy files and (recursive) trees", async () => {
    expect(await fs.put(p("notes.md"), p("copied.md"))).toEqual([p("copied.md")]);
    await expect(fs.get(p("data"), p("back"))).rejects.toThrow(/recursive/);
    const got = await fs.get(p("data"), p("back"), { recursive: true });
    expect(got).toEqual([p("back/2024/jan.csv"), p("back/letters.txt")]);
  });

  test("mkdir, makedirs, rm, mv, cp, touch", async () => {
    await fs.mkdir(p("m/n"));
    await expect(fs.mkdir(p("m/n"))).rejects.toThrow();
    await fs.makedirs(p("m/n/o"));
    await expect(fs.makedirs(p("m/n/o"))).rejects.toThrow(/exists/);
    await fs.makedirs(p("m/n/o"), { existOk: true });
    await expect(fs.rm(p("m"))).rejects.toThrow(/recursive/);
    await fs.rm(p("m"), { recursive: true });
    expect(await fs.exists(p("m"))).toBe(false);
    await fs.mv(p("notes.md"), p("empty"));
    expect(await fs.ls(p("empty"))).toEqual([p("empty/notes.md")]);
    await expect(fs.cp(p("data"), p("data2"))).rejects.toThrow(/recursive/);
    await fs.cp(p("data"), p("data2"), { recursive: true });
    expect(await fs.find(p("data2"))).toEqual([p("data2/2024/jan.csv"), p("data2/letters.txt")]);
    expect((await fs.touch(p("t.txt"))).size).toBe(0);
    expect((await fs.touch(p("data/letters.txt"), { truncate: false })).size).toBe(26);
    expect((await fs.touch(p("data/letters.txt"))).size).toBe(0);
  });
});
