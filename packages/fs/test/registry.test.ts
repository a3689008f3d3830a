// URL resolution: onedrive:// through the registered default, file:// and plain paths locally,
// other schemes through registerFileSystem, and the top-level open/readFile/writeFile.

import { readFile as readLocal, writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  LocalFileSystem,
  OneDriveFileSystem,
  open,
  readFile,
  readText,
  registerFileSystem,
  resolveUrl,
  setDefaultOneDrive,
  unregisterFileSystem,
  writeFile,
} from "../src/index.ts";
import { type Harness, harness } from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await harness();
});

afterAll(async () => {
  await h?.close();
});

describe("resolveUrl", () => {
  test("onedrive://folder/file.csv resolves to the default OneDrive filesystem and a drive path", async () => {
    const { fs, path, protocol } = await resolveUrl("onedrive://folder/file.csv");
    expect(fs).toBe(h.fs);
    expect(path).toBe("folder/file.csv");
    expect(protocol).toBe("onedrive");
    expect(fs.normalize("folder/file.csv")).toBe(path);
  });

  test("file:// URLs and plain paths resolve to the local filesystem", async () => {
    const fromUrl = await resolveUrl(pathToFileURL(join(h.tmp, "a b.csv")));
    expect(fromUrl.fs).toBeInstanceOf(LocalFileSystem);
    expect(fromUrl.path).toBe(join(h.tmp, "a b.csv"));
    const plain = await resolveUrl("relative/data.csv");
    expect(plain.fs).toBeInstanceOf(LocalFileSystem);
    expect(plain.path).toBe(join(process.cwd(), "relative/data.csv"));
  });

  test("without a connection, onedrive:// says how to get one", async () => {
    setDefaultOneDrive(undefined);
    try {
      await expect(resolveUrl("onedrive://x.csv")).rejects.toThrow(/onedriveConnect\(\).*ferry login/);
    } finally {
      setDefaultOneDrive(h.fs);
    }
  });

  test("a lazy default is made once, on first use, and retried after a failure", async () => {
    let made = 0;
    let fail = true;
    setDefaultOneDrive(async () => {
      made++;
      if (fail) throw new Error("no broker yet");
      return new OneDriveFileSystem(h.client);
    });
    try {
      await expect(resolveUrl("onedrive://a")).rejects.toThrow(/no broker yet/);
      fail = false;
      const first = await resolveUrl("onedrive://a");
      const second = await resolveUrl("onedrive://b");
      expect(first.fs).toBe(second.fs);
      expect(made).toBe(2);
    } finally {
      setDefaultOneDrive(h.fs);
    }
  });

  test("registerFileSystem adds a scheme; unknown schemes are named in the error", async () => {
    await expect(resolveUrl("mem://x")).rejects.toThrow(/no filesystem is registered for mem:\/\//);
    class MemFileSystem extends LocalFileSystem {
      override readonly protocol = "mem";
      // Like every filesystem's, idempotent: normalize(normalize(p)) === normalize(p).
      override normalize(path: string): string {
        const base = join(h.tmp, "mem");
        if (path.startsWith(base)) return path;
        return super.normalize(join(base, path.replace(/^mem:\/\//, "")));
      }
    }
    registerFileSystem("mem", () => new MemFileSystem());
    try {
      await writeFile("mem://note.txt", "in memory, or nearly");
      expect(await readLocal(join(h.tmp, "mem", "note.txt"), "utf8")).toBe("in memory, or nearly");
      expect(await readText("mem://note.txt")).toBe("in memory, or nearly");
    } finally {
      unregisterFileSystem("mem");
    }
  });
});

describe("top-level verbs", () => {
  test("writeFile, readFile and open work the same on onedrive:// and locally", async () => {
    const local = join(h.tmp, "top.txt");
    for (const url of ["onedrive://top/level.txt", local, pathToFileURL(local).href]) {
      await writeFile(url, "top level");
      expect(new TextDecoder().decode(await readFile(url))).toBe("top level");
      expect(new TextDecoder().decode(await readFile(url, { start: -5 }))).toBe("level");
      const file = await open(url);
      expect(file.size).toBe(9);
      expect(new TextDecoder().decode(await file.read(4, 5))).toBe("level");
      await file.close();
    }
  });

  test("readText drops a byte-order mark", async () => {
    const local = join(h.tmp, "bom.txt");
    await writeLocal(local, "\uFEFFhello");
    expect(await readText(local)).toBe("hello");
  });
});
