// The range reader: block cache, readahead, exact large reads and merged requests (over a counting
// in-memory source, to count precisely), then over OneDrive's download URL on the emulator,
// including the URL expiring mid-read and the file changing under the reader.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RangeReader, type RangeSource } from "../src/index.ts";
import { type Harness, harness, requestCount } from "./support.ts";

const KiB = 1024;
/** Byte equality without vitest's element-by-element diffing, which is slow on megabytes. */
const same = (a: Uint8Array | ArrayBuffer, b: Uint8Array) =>
  expect(Buffer.compare(Buffer.from(a instanceof ArrayBuffer ? new Uint8Array(a) : a), Buffer.from(b))).toBe(
    0,
  );
const MiB = 1024 * KiB;

function source(size: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7) % 256);
  const fetches: [number, number][] = [];
  let failNext = false;
  const src: RangeSource & { fetches: typeof fetches; bytes: Uint8Array; failOnce(): void } = {
    size,
    bytes,
    fetches,
    failOnce: () => {
      failNext = true;
    },
    async fetch(start, end) {
      fetches.push([start, end]);
      if (failNext) {
        failNext = false;
        throw new Error("network down");
      }
      return bytes.slice(start, end);
    },
  };
  return src;
}

describe("over a counting source", () => {
  test("small reads are served from one cached block", async () => {
    const src = source(4 * MiB);
    const r = new RangeReader(src, { blockSize: MiB });
    same(await r.read(10, 5), src.bytes.slice(10, 15));
    same(await r.read(1000, 100), src.bytes.slice(1000, 1100));
    same(await r.read(500_000, 10), src.bytes.slice(500_000, 500_010));
    expect(src.fetches).toEqual([[0, MiB]]);
    expect(r.stats.cacheHits).toBe(2);
  });

  test("a read spanning two blocks joins them", async () => {
    const src = source(4 * MiB);
    const r = new RangeReader(src, { blockSize: MiB });
    same(await r.read(MiB - 10, 20), src.bytes.slice(MiB - 10, MiB + 10));
    expect(src.fetches).toEqual([[0, 2 * MiB]]); // two adjacent blocks, merged into one request
  });

  test("sequential reads grow a readahead window, so a scan takes few requests", async () => {
    const size = 32 * MiB;
    const src = source(size);
    const r = new RangeReader(src, { blockSize: MiB, maxReadahead: 8 * MiB });
    for (let at = 0; at < size; at += 64 * KiB) {
      same(await r.read(at, 64 * KiB), src.bytes.slice(at, at + 64 * KiB));
    }
    // 512 reads of 64 KiB; without readahead that would be 32 requests (one per block).
    expect(src.fetches.length).toBeLessThanOrEqual(8);
    expect(r.stats.bytesFetched).toBe(size);
  });

  test("large reads are fetched exactly, never rounded out to blocks", async () => {
    const src = source(16 * MiB);
    const r = new RangeReader(src, { blockSize: MiB });
    const got = await r.read(3 * MiB + 17, 800 * KiB);
    same(got, src.bytes.slice(3 * MiB + 17, 3 * MiB + 17 + 800 * KiB));
    expect(src.fetches).toEqual([[3 * MiB + 17, 3 * MiB + 17 + 800 * KiB]]);
  });

  test("requests made in the same tick are merged when close, kept apart when far", async () => {
    const src = source(64 * MiB);
    const r = new RangeReader(src, { blockSize: MiB, mergeGap: 64 * KiB });
    const near = [
      r.slice(10 * MiB, 11 * MiB),
      r.slice(11 * MiB + 1000, 12 * MiB),
      r.slice(12 * MiB, 13 * MiB),
    ];
    const far = r.slice(40 * MiB, 41 * MiB);
    const parts = await Promise.all([...near, far]);
    same(parts[1] as ArrayBuffer, src.bytes.slice(11 * MiB + 1000, 12 * MiB));
    expect(src.fetches).toEqual([
      [10 * MiB, 13 * MiB],
      [40 * MiB, 41 * MiB],
    ]);
  });

  test("the cache holds at most cacheBytes; evicted blocks are fetched again", async () => {
    const src = source(8 * MiB);
    const r = new RangeReader(src, { blockSize: MiB, cacheBytes: 2 * MiB, maxReadahead: 0 });
    await r.read(0, 10);
    await r.read(2 * MiB, 10);
    await r.read(4 * MiB, 10);
    await r.read(6 * MiB, 10); // blocks 0 and 2 are evicted by now
    await r.read(4 * MiB + 5, 10); // still cached
    expect(src.fetches).toHaveLength(4);
    await r.read(5, 10);
    expect(src.fetches).toHaveLength(5);
  });

  test("slice follows ArrayBuffer.slice: negative offsets, clamped ends", async () => {
    const src = source(1000);
    const r = new RangeReader(src);
    same(await r.slice(-10), src.bytes.slice(-10));
    same(await r.slice(990, 5000), src.bytes.slice(990));
    expect((await r.slice(500, 400)).byteLength).toBe(0);
    expect(r.byteLength).toBe(1000);
  });

  test("a failed fetch is not cached: the next read asks again", async () => {
    const src = source(2 * MiB);
    const r = new RangeReader(src, { blockSize: MiB });
    src.failOnce();
    await expect(r.read(0, 10)).rejects.toThrow(/network down/);
    same(await r.read(0, 10), src.bytes.slice(0, 10));
  });
});

describe("over OneDrive", () => {
  let h: Harness;
  const SIZE = 6 * MiB;

  beforeAll(async () => {
    h = await harness();
    await h.emu.admin.seed({ account: "personal", files: [{ path: "blob.bin", size: SIZE }] });
  });

  afterAll(async () => {
    await h?.close();
  });

  test("open costs one metadata request; ranges go to the download URL", async () => {
    const whole = await h.fs.cat("blob.bin");
    await h.emu.admin.resetCounters();
    const file = await h.fs.open("blob.bin");
    const [a, b, c] = await Promise.all([
      file.read(0, 100),
      file.read(3 * MiB, 2 * MiB),
      file.read(SIZE - 50, 50),
    ]);
    same(a, whole.slice(0, 100));
    same(b, whole.slice(3 * MiB, 5 * MiB));
    same(c, whole.slice(SIZE - 50));
    await file.close();
    expect(await requestCount(h.emu, "GET", /^GET \/drive\/root:/)).toBe(1);
    // Block 0 alone; the exact [3 MiB, 5 MiB) read and block 5 touch, so they went as one request.
    expect(await requestCount(h.emu, "GET", /\/dl\//)).toBe(2);
    const { bytesOut } = await h.emu.admin.counters();
    expect(bytesOut).toBeLessThan(4 * MiB + 16 * KiB);
  });

  test("an expired download URL is renewed once and reading goes on", async () => {
    const file = await h.fs.open("blob.bin");
    const first = await file.read(0, 10);
    // Past the URL's lifetime (and the token's): the next range is refused, the URL renewed.
    await h.emu.admin.advanceClock(2 * 3600);
    await h.emu.admin.resetCounters();
    const later = await file.read(4 * MiB, 1 * MiB);
    same(later, await h.fs.cat("blob.bin", { start: 4 * MiB, end: 5 * MiB }));
    expect(first).toHaveLength(10);
    expect(await h.emu.admin.requestCount({ route: "/dl/", status: 401 })).toBe(1);
    await file.close();
  });

  test("a file that changed under the reader stops the read instead of mixing versions", async () => {
    await h.fs.writeFile("changing.bin", new Uint8Array(3 * MiB).fill(1));
    const file = await h.fs.open("changing.bin");
    await file.read(0, 10);
    await h.fs.writeFile("changing.bin", new Uint8Array(3 * MiB).fill(2));
    await h.emu.admin.advanceClock(2 * 3600);
    await expect(file.read(2 * MiB, 10)).rejects.toThrow(/changed on OneDrive/);
    await file.close();
  });
});
