// The benchmark harness at a tiny size: one emulator (TLS), every contender through one scenario,
// counters and the table. Proves in CI that `npm run bench` still works, in seconds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchResult, QUICK, runBench } from "../lib/harness.ts";
import { renderTable, targetSummary } from "../lib/table.ts";
import { download } from "../scenarios/download.ts";
import { list } from "../scenarios/list.ts";

describe("npm run bench, at a tiny size", () => {
  let tmp: string;
  let result: BenchResult;
  const fileBytes = 2 * 1024 * 1024;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "ferry-bench-test-"));
    result = await runBench(
      {
        profiles: ["lan"],
        scenarios: [list, download],
        sizes: { ...QUICK, listItems: 1500, fileBytes },
        rounds: 1,
        warmup: false,
        log: () => undefined,
      },
      tmp,
    );
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("runs every contender in its own process and counts its requests at the emulator", () => {
    const downloads = result.rows.filter((r) => r.scenario === "download");
    expect(downloads.map((r) => r.contender)).toEqual(["ferry", "sdk", "node", "limit"]);
    for (const row of downloads) {
      expect(row.runs[0]?.bytes).toBe(fileBytes);
      expect(row.seconds).toBeGreaterThan(0);
      // curl's peak is sampled from /proc while it runs; a 2 MiB transfer may end before the
      // sample after exec, so only the Node contenders' (getrusage) figure is sure to be whole.
      expect(row.peakRssBytes).toBeGreaterThan(row.contender === "limit" ? 0 : 10e6);
      // Whatever else a contender does, the file's bytes left the emulator once.
      expect(row.bytesOut).toBeGreaterThanOrEqual(fileBytes);
      expect(row.requests).toBeGreaterThanOrEqual(1);
    }
    // The limit fetches the pre-authenticated URL it was handed: one request, nothing else.
    expect(downloads.find((r) => r.contender === "limit")?.requests).toBe(1);
    // So does Node's bare socket, the runtime's own ceiling beside it.
    expect(downloads.find((r) => r.contender === "node")?.requests).toBe(1);
    expect(downloads.find((r) => r.contender === "sdk")?.vsSdk).toBe(1);
  });

  it("lists every item with each contender, in pages of 1,000", () => {
    const lists = result.rows.filter((r) => r.scenario === "list");
    expect(lists).toHaveLength(3);
    for (const row of lists) {
      expect(row.runs[0]?.items).toBe(1500);
      expect(row.requests).toBe(2);
    }
  });

  it("prints one table with a target column that names misses plainly", () => {
    const table = renderTable(result);
    expect(table.split("\n")).toHaveLength(2 + result.rows.length);
    expect(table).toContain("| LAN | download 2 MiB | Ferry |");
    expect(table).toMatch(/requests ≤ 3: 2/);
    const missed = renderTable({
      ...result,
      targets: [
        { profile: "lan", scenario: "download", target: "≥ 0.8× the limit", actual: "0.50×", met: false },
      ],
    });
    expect(missed).toContain("✗ **MISSED** ≥ 0.8× the limit: 0.50×");
    expect(targetSummary(result)).toMatch(/^targets: \d+ met, \d+ missed/);
  });
});
