// The Parquet scenarios at `--quick` size: one column read by Ferry as rows (beside the whole-file
// contenders), as an Arrow table, through streamParquet and through streamParquetBatches, each in
// its own process. Proves in CI that they still run and report bytes moved and peak RSS.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchResult, QUICK, runBench } from "../lib/harness.ts";
import { PARQUET_SCENARIOS } from "../scenarios/parquet.ts";

describe("the Parquet scenarios, at --quick size", () => {
  let tmp: string;
  let result: BenchResult;
  // `--quick`'s size: at fewer rows the first row group (1,000 rows) is a read small enough to go
  // through the range reader's 1 MiB blocks, and the footer read alone is a tenth of the file.
  const parquetRows = QUICK.parquetRows;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "ferry-bench-parquet-test-"));
    result = await runBench(
      {
        profiles: ["lan"],
        scenarios: PARQUET_SCENARIOS,
        sizes: QUICK,
        rounds: 1,
        warmup: false,
        log: () => undefined,
      },
      tmp,
    );
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("reads the column every way, each in its own process, moving a twentieth of the file", () => {
    const ferry = result.rows.filter((r) => r.contender === "ferry");
    expect(ferry.map((r) => r.scenario)).toEqual([
      "parquet",
      "parquet-arrow",
      "parquet-stream",
      "parquet-batches",
    ]);
    // 20 columns of doubles: the file is 160 bytes a row; one column is 8.
    const fileBytes = parquetRows * 160;
    for (const row of ferry) {
      expect(row.notRun).toBeUndefined();
      expect(row.runs[0]?.rows).toBe(parquetRows);
      expect(row.peakRssBytes).toBeGreaterThan(10e6);
      expect(row.bytesOut).toBeGreaterThanOrEqual(parquetRows * 8);
      expect(row.bytesOut).toBeLessThan(0.15 * fileBytes);
    }
  });

  it("checks peak RSS and bytes on every way but rows, and bytes and speed on rows", () => {
    const targets = result.targets.map((t) => `${t.scenario}: ${t.target}`);
    expect(targets).toContain("parquet: ≤ 15% of the whole file's bytes");
    for (const id of ["parquet-arrow", "parquet-stream", "parquet-batches"]) {
      expect(targets).toContain(`${id}: peak RSS < 150 MB`);
      expect(targets).toContain(`${id}: ≤ 15% of the file's bytes`);
    }
    expect(result.targets.filter((t) => t.scenario !== "parquet").every((t) => t.met === true)).toBe(true);
  });
});
