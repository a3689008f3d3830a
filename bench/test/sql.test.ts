// `npm run bench:sql` (the SQL rows of bench:fs) at a tiny size: every contender runs in its own
// worker and returns the same groups (runSqlBench checks), and the warm query moves no content bytes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorProcess, startEmulatorProcess } from "../lib/emulatorProcess.ts";
import { runSqlBench, type SqlRow, sqlTableLines } from "../lib/sql.ts";
import { removeBundles } from "../lib/worker.ts";

describe("npm run bench:sql at a tiny size", () => {
  let emu: EmulatorProcess;
  let rows: SqlRow[];

  beforeAll(async () => {
    emu = await startEmulatorProcess();
    const { accessToken } = await emu.admin.token("personal");
    rows = await runSqlBench({ emu, token: accessToken, size: 300_000, log: () => undefined });
  }, 120_000);
  afterAll(async () => {
    removeBundles();
    await emu?.stop();
  });

  it("runs the four contenders; the warm query downloads nothing, the cold one the file once", () => {
    expect(rows.map((r) => r.contender)).toEqual([
      "query (cold cache)",
      "query (warm cache)",
      "DuckDB, local file",
      "streamCsv loop",
    ]);
    const [cold, warm] = rows as [SqlRow, SqlRow];
    expect(cold.bytesOut).toBeGreaterThanOrEqual(cold.fileBytes);
    expect(warm.contentRequests).toBe(0);
    expect(warm.metadataRequests).toBe(1);
    expect(sqlTableLines(rows)).toHaveLength(4);
  });
});
