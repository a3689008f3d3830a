// Projection is correct, whichever way a Parquet file is read: one column read alone (as rows, as
// Arrow, streamed as rows or as record batches) holds exactly the values a full read of the file
// gives for it, across row groups, several pages per group, nulls, a row group of nulls only, and
// row ranges that cut groups at both ends. Files over onedrive:// on the emulator.

import { type RecordBatch, Table } from "apache-arrow";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ParquetQueryFilter,
  type Row,
  readParquet,
  readParquetMetadata,
  rowsToTable,
  streamParquet,
  streamParquetBatches,
  tableToRows,
  writeParquet,
} from "../src/index.ts";
import { type Harness, harness, random } from "./support.ts";

let h: Harness;
const N = 100_000;
const GROUP = 30_000;
const MIXED = "onedrive://cols/mixed.parquet";
const REQUIRED = "onedrive://cols/required.parquet";
const COLUMNS = ["id", "score", "sparse", "big", "city", "when", "ok"] as const;
let full: Row[];

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function column(rows: Row[], name: string): unknown[] {
  return rows.map((r) => r[name]);
}

beforeAll(async () => {
  h = await harness();
  const next = random(11);
  const cities = ["Lyon", "Paris", "Nantes", null];
  const rows = Array.from({ length: N }, (_, i) => ({
    id: i,
    score: i % 17 === 0 ? null : next() * 1000,
    // The second row group holds nulls only.
    sparse: i >= GROUP && i < 2 * GROUP ? null : i % 3 === 0 ? null : i / 8,
    big: BigInt(i) * 3_000_000_000n,
    city: cities[i % cities.length] ?? null,
    when: i % 5 === 0 ? null : new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    ok: i % 2 === 0,
  }));
  // Small pages: several per row group, so columns come in pieces that must be joined.
  await writeParquet(MIXED, rows, { rowGroupSize: GROUP, pageSize: 64 * 1024 });
  // Required (non-null) doubles and ints, which hyparquet decodes into typed arrays, page by page.
  const bytes = parquetWriteBuffer({
    columnData: [
      {
        name: "x",
        data: Float64Array.from({ length: N }, (_, i) => i * 0.5),
        type: "DOUBLE",
        nullable: false,
      },
      { name: "n", data: Int32Array.from({ length: N }, (_, i) => i - 7), type: "INT32", nullable: false },
    ],
    rowGroupSize: GROUP,
    pageSize: 64 * 1024,
  });
  await h.fs.writeFile("cols/required.parquet", new Uint8Array(bytes));
  full = await readParquet(MIXED);
});

afterAll(async () => {
  await h?.close();
});

test("the files have several row groups of several pages", async () => {
  const metadata = await readParquetMetadata(MIXED);
  expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([GROUP, GROUP, GROUP, N - 3 * GROUP]);
  expect(full).toHaveLength(N);
  expect(
    column(full, "sparse")
      .slice(GROUP, 2 * GROUP)
      .every((v) => v === null),
  ).toBe(true);
  expect((await readParquetMetadata(REQUIRED)).schema[1]?.repetition_type).toBe("REQUIRED");
});

describe.each(COLUMNS)("column %s read alone", (name) => {
  const expected = () => column(full, name);

  test("as rows: the full read's column, one key a row", async () => {
    const rows = await readParquet(MIXED, { columns: [name] });
    expect(rows).toHaveLength(N);
    expect(Object.keys(rows[1] ?? {})).toEqual([name]);
    expect(column(rows, name)).toEqual(expected());
  });

  test("as arrow: the full read's column, typed as the rows made into a table", async () => {
    const table = await readParquet(MIXED, { columns: [name], as: "arrow" });
    const fromRows = rowsToTable(full, [name]);
    expect(String(table.schema.fields[0]?.type)).toBe(String(fromRows.schema.fields[0]?.type));
    expect(column(tableToRows(table), name)).toEqual(column(tableToRows(fromRows), name));
  });

  test("streamed as rows and as record batches: the full read's column", async () => {
    expect(column(await collect(streamParquet(MIXED, { columns: [name] })), name)).toEqual(expected());
    const batches: RecordBatch[] = await collect(streamParquetBatches(MIXED, { columns: [name] }));
    expect(batches.map((b) => b.numRows)).toEqual([GROUP, GROUP, GROUP, N - 3 * GROUP]);
    const fromRows = rowsToTable(full, [name]);
    // Every batch has the column's type, the all-null group's too.
    for (const b of batches)
      expect(String(b.schema.fields[0]?.type)).toBe(String(fromRows.schema.fields[0]?.type));
    const values = batches.flatMap((b) => column(tableToRows(new Table(b)), name));
    expect(values).toEqual(column(tableToRows(fromRows), name));
  });
});

test("a row range cutting row groups at both ends gives the full read's rows, every way", async () => {
  const range = { rowStart: GROUP - 5, rowEnd: 2 * GROUP + 7 };
  const expected = full.slice(range.rowStart, range.rowEnd).map((r) => ({ score: r.score, city: r.city }));
  const columns = ["score", "city"];
  expect(await readParquet(MIXED, { ...range, columns })).toEqual(expected);
  expect(await collect(streamParquet(MIXED, { ...range, columns }))).toEqual(expected);
  expect(tableToRows(await readParquet(MIXED, { ...range, columns, as: "arrow" }))).toEqual(expected);
  const batches = await collect(streamParquetBatches(MIXED, { ...range, columns }));
  expect(batches.map((b) => b.numRows)).toEqual([5, GROUP, 7]);
});

test("required columns, decoded into typed arrays a page at a time, read back whole and alone", async () => {
  const both = await readParquet<{ x: number; n: number }>(REQUIRED);
  expect(both).toHaveLength(N);
  expect(both[N - 1]).toEqual({ x: (N - 1) * 0.5, n: N - 1 - 7 });
  const x = await readParquet(REQUIRED, { columns: ["x"], as: "arrow" });
  expect(Array.from(x.getChild("x")?.toArray() as Float64Array)).toEqual(both.map((r) => r.x));
  const n = await readParquet(REQUIRED, { columns: ["n"], rowStart: GROUP - 10, rowEnd: GROUP + 10 });
  expect(n).toEqual(both.slice(GROUP - 10, GROUP + 10).map((r) => ({ n: r.n })));
  const streamed = await collect(streamParquet<{ x: number }>(REQUIRED, { columns: ["x"] }));
  expect(streamed.map((r) => r.x)).toEqual(both.map((r) => r.x));
});

test("streamParquet applies a filter as readParquet does", async () => {
  const filter: ParquetQueryFilter = { $and: [{ city: { $eq: "Paris" } }, { id: { $lt: 50 } }] };
  const read = await readParquet(MIXED, { columns: ["id"], filter });
  expect(read).toEqual([1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49].map((id) => ({ id })));
  expect(await collect(streamParquet(MIXED, { columns: ["id"], filter }))).toEqual(read);
});

test("leaving a streamParquet loop early ends the read", async () => {
  const seen: Row[] = [];
  for await (const row of streamParquet(MIXED, { columns: ["id"] })) {
    seen.push(row);
    if (seen.length === 3) break;
  }
  expect(seen).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
});
