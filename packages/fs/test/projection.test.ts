// The counter proof: reading one column of a 20-column Parquet file of over 100 MB moves only that
// column's chunks (plus the footer) out of the emulator, asserted from its byte counters.

import { tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readParquet, readParquetMetadata, streamParquetBatches, writeParquet } from "../src/index.ts";
import { type Harness, harness, random, requestCount } from "./support.ts";

const COLUMNS = 20;
const ROWS = 660_000; // 20 × 660,000 doubles ≈ 105.6 MB of incompressible values
const PATH = "onedrive://wide/measurements.parquet";
let h: Harness;
let fileSize = 0;
const columns: Record<string, Float64Array> = {};

beforeAll(async () => {
  h = await harness();
  const next = random(7);
  for (let c = 0; c < COLUMNS; c++) {
    // Random doubles: no compression or dictionary can shrink them, so the file really is > 100 MB.
    const values = new Float64Array(ROWS);
    for (let i = 0; i < ROWS; i++) values[i] = next() * 1e6;
    columns[`c${String(c).padStart(2, "0")}`] = values;
  }
  const started = Date.now();
  const info = await writeParquet(PATH, tableFromArrays(columns), {
    codec: "UNCOMPRESSED",
    statistics: false,
    rowGroupSize: 100_000,
  });
  fileSize = info.size;
  console.log(`wrote ${fileSize} bytes in ${Date.now() - started} ms`);
});

afterAll(async () => {
  await h?.close();
});

test("the file is a 20-column Parquet file of at least 100 MB", async () => {
  expect(fileSize).toBeGreaterThanOrEqual(100 * 1000 * 1000);
  const metadata = await readParquetMetadata(PATH);
  expect(metadata.schema.length - 1).toBe(COLUMNS);
  expect(Number(metadata.num_rows)).toBe(ROWS);
});

test("reading one column transfers no more than 15% of the file's bytes", async () => {
  await h.emu.admin.resetCounters();
  const rows = await readParquet<{ c07: number }>(PATH, { columns: ["c07"] });
  const { bytesOut } = await h.emu.admin.counters();
  const downloads = await requestCount(h.emu, "GET", /\/dl\//);
  const metadataRequests = await requestCount(h.emu, "GET", /^GET \/drive\/root:/);
  console.log(
    `one column of ${fileSize} bytes: ${bytesOut} bytes out (${((100 * bytesOut) / fileSize).toFixed(2)}%), ` +
      `${metadataRequests} metadata + ${downloads} range requests`,
  );
  expect(rows).toHaveLength(ROWS);
  expect(Object.keys(rows[0] ?? {})).toEqual(["c07"]);
  expect(bytesOut).toBeLessThanOrEqual(0.15 * fileSize);
  // The column's own bytes did cross: one twentieth of the file, give or take the footer.
  expect(bytesOut).toBeGreaterThanOrEqual(fileSize / COLUMNS);
  // One driveItem fetch for the download URL; then the footer and one range per row group.
  expect(metadataRequests).toBe(1);
  expect(downloads).toBeLessThanOrEqual(1 + Math.ceil(ROWS / 100_000));
});

test("one column as Arrow, or as record batches, holds the column's values and moves only its bytes", async () => {
  await h.emu.admin.resetCounters();
  const table = await readParquet(PATH, { columns: ["c13"], as: "arrow" });
  const { bytesOut } = await h.emu.admin.counters();
  expect(table.numRows).toBe(ROWS);
  expect(firstDifference(table.getChild("c13")?.toArray() as Float64Array, columns.c13)).toBe(-1);
  expect(bytesOut).toBeLessThanOrEqual(0.15 * fileSize);

  await h.emu.admin.resetCounters();
  let at = 0;
  for await (const batch of streamParquetBatches(PATH, { columns: ["c13"] })) {
    const values = batch.getChild("c13")?.toArray() as Float64Array;
    expect(firstDifference(values, columns.c13?.subarray(at, at + batch.numRows))).toBe(-1);
    at += batch.numRows;
  }
  expect(at).toBe(ROWS);
  expect((await h.emu.admin.counters()).bytesOut).toBeLessThanOrEqual(0.15 * fileSize);
});

/** The first index where two arrays differ (or their lengths do), -1 when equal; far faster than toEqual on 660,000 values. */
function firstDifference(a: Float64Array, b: Float64Array | undefined): number {
  if (!b || a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
