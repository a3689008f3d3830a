// Every OneDriveFileSystem method, against the emulator.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { OneDriveClient, QuickXorHash } from "@ferry/graph";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { LocalFileSystem, OneDriveFileSystem } from "../src/index.ts";
import { type Harness, harness, requestCount } from "./support.ts";

let h: Harness;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const ALPHABET = "abcdefghijklmnopqrstuvwxyz";

beforeAll(async () => {
  h = await harness();
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  await h.emu.admin.reset();
  await h.emu.admin.seed({
    account: "personal",
    files: [
      { path: "data/letters.txt", content: ALPHABET },
      { path: "data/2024/jan.csv", content: "a,b\n1,2\n" },
      { path: "data/2024/feb.csv", content: "a,b\n3,4\n" },
      { path: "data/2025/deep/mar.csv", content: "a,b\n5,6\n" },
      { path: "notes.md", content: "# notes" },
    ],
    folders: ["empty"],
  });
});

describe("inspecting", () => {
  test("ls lists a folder's children by full path, with details on request", async () => {
    expect((await h.fs.ls("data")).sort()).toEqual(["data/2024", "data/2025", "data/letters.txt"]);
    expect((await h.fs.ls("onedrive://data/2024")).sort()).toEqual([
      "data/2024/feb.csv",
      "data/2024/jan.csv",
    ]);
    expect((await h.fs.ls("")).sort()).toEqual(["data", "empty", "notes.md"]);
    const detail = await h.fs.ls("data", { detail: true });
    const letters = detail.find((i) => i.name === "data/letters.txt");
    expect(letters).toMatchObject({ type: "file", size: 26 });
    expect(detail.find((i) => i.name === "data/2024")?.type).toBe("directory");
  });

  test("ls of a file lists the file itself, and of an empty folder nothing", async () => {
    expect(await h.fs.ls("data/letters.txt")).toEqual(["data/letters.txt"]);
    expect(await h.fs.ls("empty")).toEqual([]);
  });

  test("info has fsspec's shape: name, size, type, mtime, hash, id, eTag", async () => {
    const info = await h.fs.info("onedrive://data/letters.txt");
    expect(info.name).toBe("data/letters.txt");
    expect(info.size).toBe(26);
    expect(info.type).toBe("file");
    expect(info.mtime).toBeInstanceOf(Date);
    expect(info.hash).toBe(new QuickXorHash().update(new TextEncoder().encode(ALPHABET)).digest());
    expect(info.id).toBeTruthy();
    expect(info.eTag).toBeTruthy();
    expect((await h.fs.info("data/2024")).type).toBe("directory");
    await expect(h.fs.info("data/missing.txt")).rejects.toThrow(/not/i);
  });

  test("exists, isFile and isDir", async () => {
    expect(await h.fs.exists("data/letters.txt")).toBe(true);
    expect(await h.fs.exists("data/nope")).toBe(false);
    expect(await h.fs.isFile("data/letters.txt")).toBe(true);
    expect(await h.fs.isFile("data")).toBe(false);
    expect(await h.fs.isDir("data")).toBe(true);
    expect(await h.fs.isDir("data/letters.txt")).toBe(false);
    expect(await h.fs.isDir("data/nope")).toBe(false);
  });

  test("walk yields [folder, subfolders, files] for every folder, limited by maxDepth", async () => {
    const all: [string, string[], string[]][] = [];
    for await (const [dir, dirs, files] of h.fs.walk("data")) all.push([dir, dirs.sort(), files.sort()]);
    expect(all.sort((a, b) => a[0].localeCompare(b[0]))).toEqual([
      ["data", ["2024", "2025"], ["letters.txt"]],
      ["data/2024", [], ["feb.csv", "jan.csv"]],
      ["data/2025", ["deep"], []],
      ["data/2025/deep", [], ["mar.csv"]],
    ]);
    const shallow: string[] = [];
    for await (const [dir] of h.fs.walk("data", { maxDepth: 1 })) shallow.push(dir);
    expect(shallow).toEqual(["data"]);
  });

  test("find lists files below a path, sorted; withDirs, maxDepth and detail", async () => {
    expect(await h.fs.find("data")).toEqual([
      "data/2024/feb.csv",
      "data/2024/jan.csv",
      "data/2025/deep/mar.csv",
      "data/letters.txt",
    ]);
    expect(await h.fs.find("data", { maxDepth: 2 })).toEqual([
      "data/2024/feb.csv",
      "data/2024/jan.csv",
      "data/letters.txt",
    ]);
    expect(await h.fs.find("data/2025", { withDirs: true })).toEqual([
      "data/2025",
      "data/2025/deep",
      "data/2025/deep/mar.csv",
    ]);
    const detail = await h.fs.find("data/2024", { detail: true });
    expect(Object.keys(detail)).toEqual(["data/2024/feb.csv", "data/2024/jan.csv"]);
    expect(detail["data/2024/jan.csv"]?.size).toBe(8);
    expect(await h.fs.find("data/letters.txt")).toEqual(["data/letters.txt"]);
    expect(await h.fs.find("nothing/here")).toEqual([]);
  });

  test("du totals a folder from the size OneDrive reports for it, in one request", async () => {
    await h.emu.admin.resetCounters();
    expect(await h.fs.du("data")).toBe(26 + 8 + 8 + 8);
    expect(await requestCount(h.emu, "GET", /children/)).toBe(0);
    expect(await h.fs.du("data/2024", { total: false })).toEqual({
      "data/2024/feb.csv": 8,
      "data/2024/jan.csv": 8,
    });
    expect(await h.fs.du("data", { maxDepth: 1 })).toBe(26);
  });

  test("checksum is the QuickXorHash OneDrive reports, equal to the local file's", async () => {
    const local = join(h.tmp, "letters.txt");
    await writeFile(local, ALPHABET);
    const remote = await h.fs.checksum("data/letters.txt");
    expect(remote).toBe(await new LocalFileSystem().checksum(local));
    await expect(h.fs.checksum("data")).rejects.toThrow(/folder/);
  });
});

describe("reading", () => {
  test("cat reads the whole file or a range; negative offsets count from the end", async () => {
    expect(text(await h.fs.cat("data/letters.txt"))).toBe(ALPHABET);
    expect(text(await h.fs.cat("data/letters.txt", { start: 2, end: 5 }))).toBe("cde");
    expect(text(await h.fs.cat("data/letters.txt", { start: -3 }))).toBe("xyz");
    expect(text(await h.fs.cat("data/letters.txt", { start: 1, end: -1 }))).toBe(ALPHABET.slice(1, -1));
    expect(text(await h.fs.cat("data/letters.txt", { end: 4 }))).toBe("abcd");
  });

  test("catRanges reads many ranges; nearby ranges of one file share one request", async () => {
    await h.emu.admin.resetCounters();
    const parts = await h.fs.catRanges(
      ["data/letters.txt", "data/letters.txt", "data/letters.txt", "data/2024/jan.csv"],
      [0, 10, -2, 0],
      [3, 12, undefined, 3],
    );
    expect(parts.map(text)).toEqual(["abc", "kl", "yz", "a,b"]);
    // One range request per file: the three letters.txt ranges were merged.
    expect(await requestCount(h.emu, "GET", /\/dl\//)).toBe(2);
  });

  test("open gives a random-access reader usable as a hyparquet AsyncBuffer", async () => {
    const reader = await h.fs.open("data/letters.txt");
    expect(reader.size).toBe(26);
    expect(reader.byteLength).toBe(26);
    expect(text(await reader.read(23, 10))).toBe("xyz");
    expect(text(new Uint8Array(await reader.slice(-4, -1)))).toBe("wxy");
    expect(text(new Uint8Array(await reader.slice(20)))).toBe("uvwxyz");
    await reader.close();
    await expect(h.fs.open("data")).rejects.toThrow(/folder/);
    // hyparquet accepts it as its file: a tiny Parquet file written locally, read back via open().
    const { parquetWriteBuffer } = await import("hyparquet-writer");
    await h.fs.writeFile(
      "t.parquet",
      parquetWriteBuffer({ columnData: [{ name: "x", data: Int32Array.from([1, 2, 3]), type: "INT32" }] }),
    );
    const file = await h.fs.open("t.parquet");
    expect(await parquetReadObjects({ file })).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    await file.close();
  });

  test("createReadStream streams the file or a range of it", async () => {
    const collect = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    };
    expect(await collect(h.fs.createReadStream("data/letters.txt"))).toBe(ALPHABET);
    expect(await collect(h.fs.createReadStream("data/letters.txt", { start: 5, end: 8 }))).toBe("fgh");
    expect(await collect(h.fs.createReadStream("data/letters.txt", { start: -2 }))).toBe("yz");
    await expect(collect(h.fs.createReadStream("data/none.txt"))).rejects.toThrow();
  });
});

describe("writing", () => {
  test("writeFile writes text and bytes, creating folders; large data goes through an upload session", async () => {
    const info = await h.fs.writeFile("out/new/hello.txt", "hello");
    expect(info).toMatchObject({ name: "out/new/hello.txt", size: 5, type: "file" });
    expect(text(await h.fs.cat("out/new/hello.txt"))).toBe("hello");
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 251);
    await h.emu.admin.resetCounters();
    await h.fs.writeFile("out/big.bin", big);
    expect(await requestCount(h.emu, "POST", /createUploadSession/)).toBe(1);
    expect(await h.fs.checksum("out/big.bin")).toBe(new QuickXorHash().update(big).digest());
  });

  test("pipe writes a stream, with or without its size", async () => {
    const chunks = () => Readable.from([Buffer.from("one,"), Buffer.from("two,"), Buffer.from("three")]);
    await h.fs.pipe("out/piped.txt", chunks());
    expect(text(await h.fs.cat("out/piped.txt"))).toBe("one,two,three");
    await h.fs.pipe("out/sized.txt", chunks(), { size: 13 });
    expect(text(await h.fs.cat("out/sized.txt"))).toBe("one,two,three");
    const web = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("web"));
        c.close();
      },
    });
    await h.fs.pipe("out/web.txt", web);
    expect(text(await h.fs.cat("out/web.txt"))).toBe("web");
  });

  test("put uploads a file, or a folder tree with recursive", async () => {
    const tree = join(h.tmp, "tree");
    await mkdir(join(tree, "sub", "deeper"), { recursive: true });
    await writeFile(join(tree, "a.txt"), "A");
    await writeFile(join(tree, "sub", "b.txt"), "B");
    await writeFile(join(tree, "sub", "deeper", "c.txt"), "C");
    for (let i = 0; i < 8; i++) await writeFile(join(tree, `n${i}.txt`), `${i}`);

    expect(await h.fs.put(join(tree, "a.txt"), "up/single.txt")).toEqual(["up/single.txt"]);
    expect(text(await h.fs.cat("up/single.txt"))).toBe("A");
    // Onto an existing folder, the file keeps its name.
    expect(await h.fs.put(join(tree, "a.txt"), "up")).toEqual(["up/a.txt"]);

    await expect(h.fs.put(tree, "up/tree")).rejects.toThrow(/recursive/);
    const uploaded = await h.fs.put(tree, "up/tree", { recursive: true });
    expect(uploaded.sort()).toEqual(
      [
        "up/tree/a.txt",
        "up/tree/sub/b.txt",
        "up/tree/sub/deeper/c.txt",
        ...Array.from({ length: 8 }, (_, i) => `up/tree/n${i}.txt`),
      ].sort(),
    );
    expect(text(await h.fs.cat("up/tree/sub/deeper/c.txt"))).toBe("C");
  });

  test("get downloads a file, or a folder tree with recursive", async () => {
    const one = join(h.tmp, "get", "letters.txt");
    expect(await h.fs.get("data/letters.txt", one)).toEqual([one]);
    expect(await readFile(one, "utf8")).toBe(ALPHABET);

    const into = join(h.tmp, "get-tree");
    await expect(h.fs.get("data", into)).rejects.toThrow(/recursive/);
    const got = await h.fs.get("data", into, { recursive: true });
    expect(got.map((p) => p.slice(into.length + 1)).sort()).toEqual([
      "2024/feb.csv",
      "2024/jan.csv",
      "2025/deep/mar.csv",
      "letters.txt",
    ]);
    expect(await readFile(join(into, "2025", "deep", "mar.csv"), "utf8")).toBe("a,b\n5,6\n");
  });

  test("put and get run at most `concurrency` transfers at once, and do use that many", async () => {
    const tree = join(h.tmp, "many");
    await mkdir(tree, { recursive: true });
    for (let i = 0; i < 10; i++) await writeFile(join(tree, `f${i}.txt`), `file ${i}`);
    let inFlight = 0;
    let peak = 0;
    const client = new OneDriveClient({
      baseUrl: h.emu.graphUrl,
      token: () => h.client.token(),
      // Counts transfers in flight: uploads (PUT) and downloads (the pre-authenticated /dl/ URLs).
      fetch: async (input, init) => {
        const transfer = init?.method === "PUT" || String(input).includes("/dl/");
        if (transfer) peak = Math.max(peak, ++inFlight);
        try {
          return await fetch(input, init);
        } finally {
          if (transfer) inFlight--;
        }
      },
    });
    const fs = new OneDriveFileSystem(client, { concurrency: 2 });
    // Latency makes overlapping requests overlap long enough to be seen.
    await h.emu.admin.settings({ latencyMs: 30 });
    try {
      expect(await fs.put(tree, "many", { recursive: true })).toHaveLength(10);
      expect(peak).toBe(2);
      peak = 0;
      expect(await fs.get("many", join(h.tmp, "many-back"), { recursive: true })).toHaveLength(10);
      expect(peak).toBe(2);
    } finally {
      await h.emu.admin.settings({ latencyMs: 0 });
    }
  });

  test("mkdir creates a folder (and its parents), and refuses an existing one", async () => {
    await h.fs.mkdir("made/here/now");
    expect(await h.fs.isDir("made/here/now")).toBe(true);
    await expect(h.fs.mkdir("made/here/now")).rejects.toThrow(/exists/);
    await expect(h.fs.mkdir("nowhere/child", { createParents: false })).rejects.toThrow(/parent/);
  });

  test("makedirs creates the whole path; an existing one only with existOk", async () => {
    await h.fs.makedirs("x/y/z");
    expect(await h.fs.isDir("x/y/z")).toBe(true);
    await expect(h.fs.makedirs("x/y/z")).rejects.toThrow(/exists/);
    await h.fs.makedirs("x/y/z", { existOk: true });
  });

  test("rm deletes files and folders; a folder with contents needs recursive", async () => {
    await h.fs.rm("notes.md");
    expect(await h.fs.exists("notes.md")).toBe(false);
    await h.fs.rm("empty");
    expect(await h.fs.exists("empty")).toBe(false);
    await expect(h.fs.rm("data/2024")).rejects.toThrow(/recursive/);
    await h.fs.rm(["data/2024", "data/2025"], { recursive: true });
    expect(await h.fs.ls("data")).toEqual(["data/letters.txt"]);
  });

  test("mv renames, and moves into an existing folder", async () => {
    const moved = await h.fs.mv("notes.md", "data/readme.md");
    expect(moved.name).toBe("data/readme.md");
    expect(await h.fs.exists("notes.md")).toBe(false);
    expect(text(await h.fs.cat("data/readme.md"))).toBe("# notes");
    await h.fs.mv("data/readme.md", "empty");
    expect(await h.fs.ls("empty")).toEqual(["empty/readme.md"]);
  });

  test("cp copies on the service side, files and (recursive) folders", async () => {
    await h.emu.admin.resetCounters();
    await h.fs.cp("data/letters.txt", "copy.txt");
    await expect(h.fs.cp("data/2024", "copy2024")).rejects.toThrow(/recursive/);
    await h.fs.cp("data/2024", "copy2024", { recursive: true });
    // No byte went through this machine.
    expect(await requestCount(h.emu, "GET", /\/dl\//)).toBe(0);
    expect(text(await h.fs.cat("copy.txt"))).toBe(ALPHABET);
    expect((await h.fs.ls("copy2024")).sort()).toEqual(["copy2024/feb.csv", "copy2024/jan.csv"]);
  });

  test("touch creates an empty file, truncates, or only updates the time", async () => {
    const created = await h.fs.touch("touched.txt");
    expect(created.size).toBe(0);
    const before = (await h.fs.info("data/letters.txt")).mtime as Date;
    await new Promise((r) => setTimeout(r, 20));
    const touched = await h.fs.touch("data/letters.txt", { truncate: false });
    expect(touched.size).toBe(26);
    expect((touched.mtime as Date).getTime()).toBeGreaterThan(before.getTime());
    expect(text(await h.fs.cat("data/letters.txt"))).toBe(ALPHABET);
    await h.fs.touch("data/letters.txt");
    expect((await h.fs.info("data/letters.txt")).size).toBe(0);
  });
});

describe("paths", () => {
  test("onedrive://a/b, /a/b and a/b are the same item; bad paths are refused before any request", async () => {
    expect(h.fs.normalize("onedrive://data/letters.txt")).toBe("data/letters.txt");
    expect(h.fs.normalize("/data/letters.txt")).toBe("data/letters.txt");
    expect(h.fs.normalize("onedrive:///data//letters.txt")).toBe("data/letters.txt");
    expect(h.fs.normalize("")).toBe("");
    expect(() => h.fs.normalize("data/../../drives/x")).toThrow(/\.\./);
    expect(() => h.fs.normalize("data/a?b")).toThrow(/forbids/);
  });
});
