// Every data reader takes the read cache per call (`{ cache: true }`), against the emulator's
// counters: a second cached read moves no content bytes and costs one metadata request; without the
// option (and without FERRY_CACHE_DIR) nothing is cached; `cache: false` reads past a cache that
// FERRY_CACHE_DIR turned on for the process. Options csv-parse handles get no `cache` key (it
// rejects options it does not know).

import { join } from "node:path";
import { Table, tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  type CacheOption,
  defaultCacheDir,
  OneDriveFileSystem,
  ReadCache,
  readArrow,
  readCsv,
  readJson,
  readNdjson,
  readParquet,
  readParquetMetadata,
  setDefaultOneDrive,
  streamCsv,
  streamCsvBatches,
  streamNdjson,
  streamParquet,
  streamParquetBatches,
  tableToRows,
  writeArrow,
  writeCsv,
  writeJson,
  writeNdjson,
  writeParquet,
} from "../src/index.ts";
import { type Harness, harness, traffic } from "./support.ts";

let h: Harness;
let home: string | undefined;

const ROWS = Array.from({ length: 500 }, (_, i) => ({ id: i, city: `city ${i % 37}`, pop: i * 1000.5 }));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** What a reader gave, as plain data that compares with `toEqual` (tables and batches as rows). */
function plain(value: unknown): unknown {
  if (value && typeof value === "object" && "schema" in value && "numRows" in value)
    return tableToRows(value as Parameters<typeof tableToRows>[0]);
  return value;
}

interface Reader {
  name: string;
  url: string;
  write(url: string): Promise<unknown>;
  read(url: string, options: CacheOption): Promise<unknown>;
}

const READERS: Reader[] = [
  {
    name: "readCsv",
    url: "onedrive://rc/a.csv",
    write: (url) => writeCsv(url, ROWS),
    read: (url, o) => readCsv(url, { cast: true, ...o }),
  },
  {
    name: "readCsv with a csv-parse option (trim)",
    url: "onedrive://rc/b.csv",
    write: (url) => writeCsv(url, ROWS),
    read: (url, o) => readCsv(url, { cast: true, trim: true, ...o }),
  },
  {
    name: "readCsv as arrow",
    url: "onedrive://rc/c.csv",
    write: (url) => writeCsv(url, ROWS),
    read: async (url, o) => plain(await readCsv(url, { cast: true, as: "arrow", ...o })),
  },
  {
    name: "streamCsv",
    url: "onedrive://rc/d.csv",
    write: (url) => writeCsv(url, ROWS),
    read: (url, o) => collect(streamCsv(url, { cast: true, ...o })),
  },
  {
    name: "streamCsvBatches",
    url: "onedrive://rc/e.csv",
    write: (url) => writeCsv(url, ROWS),
    read: async (url, o) =>
      (await collect(streamCsvBatches(url, { cast: true, batchRows: 100, ...o }))).map((b) => b.numRows),
  },
  {
    name: "streamCsvBatches with a csv-parse option (trim)",
    url: "onedrive://rc/f.csv",
    write: (url) => writeCsv(url, ROWS),
    read: async (url, o) =>
      (await collect(streamCsvBatches(url, { cast: true, trim: true, batchRows: 100, ...o }))).map(
        (b) => b.numRows,
      ),
  },
  {
    name: "readParquet",
    url: "onedrive://rc/g.parquet",
    write: (url) => writeParquet(url, ROWS),
    read: (url, o) => readParquet(url, { columns: ["city"], ...o }),
  },
  {
    name: "readParquet as arrow",
    url: "onedrive://rc/h.parquet",
    write: (url) => writeParquet(url, ROWS),
    read: async (url, o) => plain(await readParquet(url, { as: "arrow", ...o })),
  },
  {
    name: "streamParquet",
    url: "onedrive://rc/n.parquet",
    write: (url) => writeParquet(url, ROWS),
    read: (url, o) => collect(streamParquet(url, { columns: ["pop"], ...o })),
  },
  {
    name: "streamParquetBatches",
    url: "onedrive://rc/o.parquet",
    write: (url) => writeParquet(url, ROWS),
    read: async (url, o) =>
      (await collect(streamParquetBatches(url, o))).flatMap((b) => tableToRows(new Table(b))),
  },
  {
    name: "readParquetMetadata",
    url: "onedrive://rc/i.parquet",
    write: (url) => writeParquet(url, ROWS),
    read: async (url, o) => Number((await readParquetMetadata(url, o)).num_rows),
  },
  {
    name: "readJson",
    url: "onedrive://rc/j.json",
    write: (url) => writeJson(url, ROWS),
    read: (url, o) => readJson(url, o),
  },
  {
    name: "readNdjson",
    url: "onedrive://rc/k.ndjson",
    write: (url) => writeNdjson(url, ROWS),
    read: (url, o) => readNdjson(url, o),
  },
  {
    name: "streamNdjson",
    url: "onedrive://rc/l.ndjson",
    write: (url) => writeNdjson(url, ROWS),
    read: (url, o) => collect(streamNdjson(url, o)),
  },
  {
    name: "readArrow",
    url: "onedrive://rc/m.arrow",
    write: (url) =>
      writeArrow(
        url,
        tableFromArrays({
          id: Float64Array.from(ROWS, (r) => r.id),
          pop: Float64Array.from(ROWS, (r) => r.pop),
        }),
      ),
    read: (url, o) => readArrow(url, o),
  },
];

beforeAll(async () => {
  h = await harness();
  // `cache: true` is the default folder, `$FERRY_HOME/cache`: a scratch one here.
  home = process.env.FERRY_HOME;
  process.env.FERRY_HOME = join(h.tmp, "home");
  delete process.env.FERRY_CACHE_DIR;
  for (const reader of READERS) await reader.write(reader.url);
});

afterAll(async () => {
  if (home === undefined) delete process.env.FERRY_HOME;
  else process.env.FERRY_HOME = home;
  await h?.close();
});

beforeEach(async () => {
  setDefaultOneDrive(h.fs);
  await ReadCache.shared().clear();
});

describe.each(READERS)("$name", (reader) => {
  test("a second read with { cache: true } moves no content bytes and makes one metadata request", async () => {
    const uncached = await reader.read(reader.url, {});
    expect(await reader.read(reader.url, { cache: true })).toEqual(uncached);
    await h.emu.admin.resetCounters();
    const again = await reader.read(reader.url, { cache: true });
    const two = await traffic(h.emu);
    expect(again).toEqual(uncached);
    expect(two.content).toBe(0);
    expect(two.metadata).toBe(1);
    // Only the metadata JSON left the emulator.
    expect(two.bytesOut).toBeLessThan(4096);
    expect((await ReadCache.shared().info()).files).toHaveLength(1);
  });

  test("without the option and without FERRY_CACHE_DIR nothing is cached", async () => {
    expect(h.fs.cache).toBeUndefined();
    await reader.read(reader.url, {});
    await h.emu.admin.resetCounters();
    await reader.read(reader.url, {});
    expect((await traffic(h.emu)).content).toBeGreaterThan(0);
    expect((await ReadCache.shared().info()).files).toEqual([]);
  });

  test("cache: false reads past the cache FERRY_CACHE_DIR turned on", async () => {
    const dir = join(h.tmp, "env-cache");
    process.env.FERRY_CACHE_DIR = dir;
    try {
      const fs = new OneDriveFileSystem(h.client);
      expect(fs.cache?.dir).toBe(dir);
      setDefaultOneDrive(fs);
      const expected = await reader.read(reader.url, {});
      await h.emu.admin.resetCounters();
      expect(await reader.read(reader.url, {})).toEqual(expected);
      expect((await traffic(h.emu)).content).toBe(0);
      await h.emu.admin.resetCounters();
      expect(await reader.read(reader.url, { cache: false })).toEqual(expected);
      expect((await traffic(h.emu)).content).toBeGreaterThan(0);
    } finally {
      delete process.env.FERRY_CACHE_DIR;
      setDefaultOneDrive(h.fs);
      await new ReadCache({ dir }).clear();
    }
  });
});

test("cache: true with no FERRY_CACHE_DIR uses $FERRY_HOME/cache", () => {
  expect(defaultCacheDir()).toBe(join(h.tmp, "home", "cache"));
});
