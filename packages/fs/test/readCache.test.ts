// The local read cache against the emulator: a second read of an unchanged file costs one metadata
// request and no content bytes (from the emulator's counters); a new version is fetched, never
// served stale; LRU eviction keeps the cap; two real processes filling one entry download it once
// and both read whole bytes; `info`/`clear` see what is stored.

import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import {
  createReadStream,
  ensureLocal,
  open,
  ReadCache,
  readText,
  readFile as readUrl,
  setDefaultOneDrive,
} from "../src/index.ts";
import { type Harness, harness, random, TS_NODE_ARGS, traffic } from "./support.ts";

let h: Harness;
let cacheDir: string;

const CHILD = fileURLToPath(new URL("./fixtures/cacheReader.ts", import.meta.url));

function bytesOf(size: number, seed: number): Uint8Array {
  const next = random(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(next() * 256);
  return out;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  h = await harness();
  cacheDir = join(h.tmp, "cache");
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  await new ReadCache({ dir: cacheDir }).clear();
});

test("a second read of an unchanged file costs one metadata request and no content bytes", async () => {
  const data = bytesOf(3 * 1024 * 1024 + 17, 1);
  await h.fs.writeFile("cache/first.bin", data);
  const cache = new ReadCache({ dir: cacheDir });

  await h.emu.admin.resetCounters();
  const first = await ensureLocal("onedrive://cache/first.bin", { cache });
  const one = await traffic(h.emu);
  expect(first.hit).toBe(false);
  expect(sha(await readFile(first.path))).toBe(sha(data));
  expect(one.bytesOut).toBeGreaterThanOrEqual(data.length);

  await h.emu.admin.resetCounters();
  const second = await ensureLocal("onedrive://cache/first.bin", { cache });
  const two = await traffic(h.emu);
  console.log(
    `cache: first read ${one.metadata} metadata + ${one.content} content requests, ${one.bytesOut} bytes out; ` +
      `second read ${two.metadata} metadata + ${two.content} content requests, ${two.bytesOut} bytes out`,
  );
  expect(second.hit).toBe(true);
  expect(second.path).toBe(first.path);
  expect(two.metadata).toBe(1);
  expect(two.content).toBe(0);
  // Only the metadata JSON left the emulator.
  expect(two.bytesOut).toBeLessThan(4096);
  expect(cache.counters).toMatchObject({ hits: 1, misses: 1, bytesDownloaded: data.length });
});

test("a changed file is fetched again and never served stale, even at the same size", async () => {
  const cache = new ReadCache({ dir: cacheDir });
  const v1 = bytesOf(200_000, 2);
  const v2 = bytesOf(200_000, 3);
  await h.fs.writeFile("cache/changing.bin", v1);
  expect(sha(await readFile((await ensureLocal("onedrive://cache/changing.bin", { cache })).path))).toBe(
    sha(v1),
  );
  await h.fs.writeFile("cache/changing.bin", v2);
  const after = await ensureLocal("onedrive://cache/changing.bin", { cache });
  expect(after.hit).toBe(false);
  expect(sha(await readFile(after.path))).toBe(sha(v2));
  // The old version's entry is gone: one item, one entry.
  expect((await cache.info()).files.filter((f) => f.remotePath === "cache/changing.bin")).toHaveLength(1);
});

test("the verbs and readers take { cache: true } per call, and FERRY_CACHE_DIR for the process", async () => {
  const text = "region,revenue\nnorth,10\nsouth,20\n";
  await h.fs.writeFile("cache/sales.csv", text);
  const cache = new ReadCache({ dir: cacheDir });
  await readUrl("onedrive://cache/sales.csv", { cache });
  await h.emu.admin.resetCounters();
  expect(await readText("onedrive://cache/sales.csv", { cache })).toBe(text);
  expect(
    new TextDecoder().decode(await readUrl("onedrive://cache/sales.csv", { cache, start: 7, end: 14 })),
  ).toBe(text.slice(7, 14));
  const file = await open("onedrive://cache/sales.csv", { cache });
  expect(new TextDecoder().decode(await file.slice(-9))).toBe(text.slice(-9));
  await file.close();
  const chunks: Buffer[] = [];
  for await (const chunk of await createReadStream("onedrive://cache/sales.csv", { cache }))
    chunks.push(chunk);
  expect(Buffer.concat(chunks).toString()).toBe(text);
  expect((await traffic(h.emu)).content).toBe(0);

  // The process-wide switch: a filesystem made while FERRY_CACHE_DIR is set reads through it.
  process.env.FERRY_CACHE_DIR = cacheDir;
  try {
    const { OneDriveFileSystem } = await import("../src/index.ts");
    const fs = new OneDriveFileSystem(h.client);
    expect(fs.cache?.dir).toBe(cacheDir);
    setDefaultOneDrive(fs);
    await h.emu.admin.resetCounters();
    expect(await readText("onedrive://cache/sales.csv")).toBe(text);
    expect((await traffic(h.emu)).content).toBe(0);
  } finally {
    delete process.env.FERRY_CACHE_DIR;
    setDefaultOneDrive(h.fs);
  }
});

test("least-recently-used entries are evicted past the cap", async () => {
  const cache = new ReadCache({ dir: cacheDir, maxSize: 250_000, evictionGraceMs: 0 });
  for (const name of ["a", "b", "c"])
    await h.fs.writeFile(`cache/lru-${name}.bin`, bytesOf(100_000, name.charCodeAt(0)));
  const a = await ensureLocal("onedrive://cache/lru-a.bin", { cache });
  const b = await ensureLocal("onedrive://cache/lru-b.bin", { cache });
  // `a` used again, later than `b`: `b` is now the least recently used.
  const past = new Date(Date.now() - 60_000);
  await utimes(b.path, past, past);
  await ensureLocal("onedrive://cache/lru-a.bin", { cache });
  await ensureLocal("onedrive://cache/lru-c.bin", { cache });
  const info = await cache.info();
  expect(info.bytes).toBeLessThanOrEqual(250_000);
  expect(info.files.map((f) => f.remotePath).sort()).toEqual(["cache/lru-a.bin", "cache/lru-c.bin"]);
  await expect(stat(b.path)).rejects.toThrow();
  await expect(stat(a.path)).resolves.toBeTruthy();
});

test("two processes filling the same entry download it once and both read the whole file", async () => {
  const data = bytesOf(6 * 1024 * 1024, 9);
  await h.fs.writeFile("cache/shared.bin", data);
  const { accessToken } = await h.emu.admin.token("personal");
  await h.emu.admin.resetCounters();
  const env = {
    ...process.env,
    FERRY_TEST_GRAPH_URL: h.emu.graphUrl,
    FERRY_TEST_TOKEN: accessToken,
    FERRY_TEST_CACHE_DIR: cacheDir,
    FERRY_TEST_PATH: "cache/shared.bin",
  };
  const results = await Promise.all([runChild(env), runChild(env)]);
  const parsed = results.map(
    (r) => JSON.parse(r) as { path: string; hit: boolean; hash: string; size: number },
  );
  expect(parsed[0]?.path).toBe(parsed[1]?.path);
  expect(parsed.map((p) => p.size)).toEqual([data.length, data.length]);
  // One filled the entry; the other waited on its lock and found it filled.
  expect(parsed.map((p) => p.hit).sort()).toEqual([false, true]);
  const { bytesOut } = await h.emu.admin.counters();
  expect(bytesOut).toBeLessThan(data.length * 1.1);
  expect(sha(await readFile(parsed[0]?.path ?? ""))).toBe(sha(data));
  expect(await readdir(join(cacheDir, "tmp"))).toEqual([]);
  expect(await readdir(join(cacheDir, "locks"))).toEqual([]);
});

function runChild(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [...TS_NODE_ARGS, CHILD], { env });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}
