// `npm run bench:fs`'s CSV part at a tiny size: generated CSVs uploaded to an emulator as a stream,
// each counted by `streamCsv` in its own worker process, beside csv-parse, the raw download and
// DuckDB on local disk. Proves in CI that the benchmark still works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CSV_HEADER,
  CSV_ROW_BYTES,
  type CsvRow,
  csvChunks,
  csvRow,
  csvShape,
  runCsvBench,
} from "../lib/csv.ts";
import { type EmulatorProcess, startEmulatorProcess } from "../lib/emulatorProcess.ts";
import { removeBundles } from "../lib/worker.ts";

describe("npm run bench:fs, CSV part at a tiny size", () => {
  let emu: EmulatorProcess;
  let rows: CsvRow[];
  const sizes = [200_000, 500_000];

  beforeAll(async () => {
    emu = await startEmulatorProcess();
    const { accessToken } = await emu.admin.token("personal");
    rows = await runCsvBench({ emu, token: accessToken, sizes, rounds: 1, log: () => undefined });
  });
  afterAll(async () => {
    removeBundles();
    await emu?.stop();
  });

  it("generates fixed-width rows whose total is the declared size", async () => {
    for (const i of [0, 9, 12_345, 99_999_999]) expect(csvRow(i)).toHaveLength(CSV_ROW_BYTES);
    const { rows: n, bytes } = csvShape(3_000_000);
    expect(bytes).toBeLessThanOrEqual(3_000_000);
    expect(bytes).toBe(CSV_HEADER.length + n * CSV_ROW_BYTES);
    let total = 0;
    for await (const chunk of csvChunks(n)) total += chunk.length;
    expect(total).toBe(bytes);
  });

  it("counts every row with streamCsv in a worker, reading the file once", () => {
    expect(rows.map((r) => r.targetBytes)).toEqual(sizes);
    for (const row of rows) {
      expect(row.rows).toBe(csvShape(row.targetBytes).rows);
      expect(row.runs[0]?.rows).toBe(row.rows);
      expect(row.rowsPerSecond).toBeGreaterThan(0);
      expect(row.peakRssBytes).toBeGreaterThan(10e6);
      // The emulator sent the file's bytes, and not twice over.
      expect(row.bytesOut).toBeGreaterThanOrEqual(row.fileBytes);
      expect(row.bytesOut).toBeLessThan(2 * row.fileBytes);
      // The peers ran on the same file: csv-parse and DuckDB counted the same rows (the worker checks).
      expect(Object.keys(row.peers).sort()).toEqual(["csv-parse", "duckdb-local", "raw"]);
      expect(row.vsDuckdbLocal).toBeGreaterThan(0);
    }
  });
});
