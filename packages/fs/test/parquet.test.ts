// Parquet: files compressed with snappy, gzip and zstd by an independent writer (parquet-wasm, the
// Rust parquet crate) and by our own writeParquet, read over onedrive:// range reads; column,
// row-range and filter reads; Arrow output.

import { tableFromArrays, tableToIPC } from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ParquetCodec,
  readParquet,
  readParquetMetadata,
  rowsToTable,
  tableToRows,
  writeParquet,
} from "../src/index.ts";
import { type Harness, harness, random } from "./support.ts";

let h: Harness;
const N = 20_000;
const ids = Int32Array.from({ length: N }, (_, i) => i);
const cities = ["Lyon", "Paris", "Nantes", "Lille", "Nice"];
const city = Array.from({ length: N }, (_, i) => cities[i % cities.length] as string);
const score = Float64Array.from({ length: N }, (_, i) => i / 4);

function expectedRow(i: number) {
  return { id: i, city: cities[i % cities.length], score: i / 4 };
}

beforeAll(async () => {
  h = await harness();
});

afterAll(async () => {
  await h?.close();
});

describe.each(["SNAPPY", "GZIP", "ZSTD"] as const)("%s", (codec) => {
  test(`a ${codec} file written by parquet-wasm (Rust) reads back whole and by column`, async () => {
    const props = new parquetWasm.WriterPropertiesBuilder()
      .setCompression(parquetWasm.Compression[codec])
      .setMaxRowGroupSize(5000)
      .build();
    const bytes = parquetWasm.writeParquet(
      parquetWasm.Table.fromIPCStream(tableToIPC(tableFromArrays({ id: ids, city, score }), "stream")),
      props,
    );
    const url = `onedrive://pq/rust-${codec.toLowerCase()}.parquet`;
    await h.fs.writeFile(url, bytes);
    const metadata = await readParquetMetadata(url);
    expect(metadata.created_by).toMatch(/parquet-rs/);
    expect(metadata.row_groups.map((g) => g.columns[0]?.meta_data?.codec)).toEqual(Array(4).fill(codec));

    const rows = await readParquet(url);
    expect(rows).toHaveLength(N);
    expect(rows[0]).toEqual(expectedRow(0));
    expect(rows[N - 1]).toEqual(expectedRow(N - 1));
    expect(await readParquet(url, { columns: ["city"], rowStart: 7, rowEnd: 9 })).toEqual([
      { city: cities[2] },
      { city: cities[3] },
    ]);
  });

  test(`writeParquet with ${codec} writes a file the codec really compressed`, async () => {
    const url = `onedrive://pq/ours-${codec.toLowerCase()}.parquet`;
    const info = await writeParquet(url, tableFromArrays({ id: ids, city, score }), { codec });
    const metadata = await readParquetMetadata(url);
    expect(metadata.row_groups[0]?.columns.map((c) => c.meta_data?.codec)).toEqual([codec, codec, codec]);
    const uncompressed = await writeParquet(
      "onedrive://pq/plain.parquet",
      tableFromArrays({ id: ids, city, score }),
      {
        codec: "UNCOMPRESSED",
      },
    );
    expect(info.size).toBeLessThan(uncompressed.size);
    const rows = await readParquet(url);
    expect(rows[12_345]).toEqual(expectedRow(12_345));
  });
});

describe("selective reads", () => {
  const url = "onedrive://pq/select.parquet";
  // Big enough that the footer read (hyparquet asks for the last 512 KiB) is a small part of it.
  const M = 400_000;
  const next = random(3);
  const noise = Float64Array.from({ length: M }, () => next());
  let whole = 0;
  let largestGroup = 0;
  const row = (i: number) => ({ id: i, city: cities[i % cities.length], noise: noise[i] });

  beforeAll(async () => {
    const table = tableFromArrays({
      id: Int32Array.from({ length: M }, (_, i) => i),
      city: Array.from({ length: M }, (_, i) => cities[i % cities.length] as string),
      noise,
    });
    whole = (await writeParquet(url, table, { rowGroupSize: 40_000 })).size;
    const metadata = await readParquetMetadata(url);
    expect(metadata.row_groups).toHaveLength(10);
    largestGroup = Math.max(
      ...metadata.row_groups.map((g) => Number(g.total_compressed_size ?? g.total_byte_size)),
    );
  });

  /** Bytes that may cross for a read touching `groups` row groups: the footer read, the groups, JSON. */
  const budget = (groups: number) => 512 * 1024 + groups * largestGroup + 16 * 1024;

  test("columns keeps only the named columns", async () => {
    const rows = await readParquet(url, { columns: ["noise", "id"] });
    expect(rows[3]).toEqual({ noise: noise[3], id: 3 });
    expect(Object.keys(rows[3] ?? {}).sort()).toEqual(["id", "noise"]);
  });

  test("rowStart/rowEnd read a slice, fetching only the row groups that hold it", async () => {
    await h.emu.admin.resetCounters();
    const rows = await readParquet(url, { rowStart: 200_100, rowEnd: 200_105 });
    expect(rows).toEqual([200_100, 200_101, 200_102, 200_103, 200_104].map(row));
    const { bytesOut } = await h.emu.admin.counters();
    expect(bytesOut).toBeLessThan(budget(1));
    expect(bytesOut).toBeLessThan(whole / 2);
  });

  test("filter keeps matching rows and skips row groups whose statistics rule them out", async () => {
    await h.emu.admin.resetCounters();
    const rows = await readParquet(url, { filter: { id: { $gte: M - 2 } } });
    expect(rows).toEqual([row(M - 2), row(M - 1)]);
    const { bytesOut } = await h.emu.admin.counters();
    expect(bytesOut).toBeLessThan(budget(1));
    const paris = await readParquet(url, {
      columns: ["id"],
      filter: { $and: [{ city: { $eq: "Paris" } }, { id: { $lt: 20 } }] },
    });
    expect(paris).toEqual([{ id: 1 }, { id: 6 }, { id: 11 }, { id: 16 }]);
  });

  test("as arrow returns a Table in the file's (or the requested) column order", async () => {
    const table = await readParquet(url, { as: "arrow", rowEnd: 1000 });
    expect(table.schema.fields.map((f) => f.name)).toEqual(["id", "city", "noise"]);
    expect(table.numRows).toBe(1000);
    expect(table.get(5)?.toJSON()).toEqual(row(5));
    const some = await readParquet(url, { as: "arrow", columns: ["noise", "city"], rowEnd: 3 });
    expect(some.schema.fields.map((f) => f.name)).toEqual(["noise", "city"]);
  });

  test("as arrow, built from the column chunks without rows, equals the rows made into a table", async () => {
    // A slice across a row-group boundary, so chunks are cut at both ends.
    const options = { rowStart: 79_990, rowEnd: 80_020 };
    const table = await readParquet(url, { ...options, as: "arrow" });
    const rows = await readParquet(url, options);
    const fromRows = rowsToTable(rows, ["id", "city", "noise"]);
    expect(table.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(
      fromRows.schema.fields.map((f) => `${f.name}: ${f.type}`),
    );
    expect(tableToRows(table)).toEqual(tableToRows(fromRows));
    expect(table.numRows).toBe(30);
  });
});

describe("writing rows", () => {
  test("types are inferred; integers past 32 bits, dates, nulls and bigints survive", async () => {
    const rows = [
      { n: 1, big: 2 ** 40, when: new Date(Date.UTC(2026, 5, 1)), note: "a", count: 5n, ok: true },
      { n: 2, big: -(2 ** 35), when: null, note: null, count: 6n, ok: false },
    ];
    await writeParquet("onedrive://pq/rows.parquet", rows, { codec: "BROTLI" });
    expect(await readParquet("onedrive://pq/rows.parquet")).toEqual(rows);
  });

  test("an unknown codec is refused with the list of those that work", async () => {
    await expect(
      writeParquet("onedrive://pq/x.parquet", [{ a: 1 }], { codec: "LZO" as ParquetCodec }),
    ).rejects.toThrow(/UNCOMPRESSED, SNAPPY, GZIP, BROTLI or ZSTD/);
  });
});
