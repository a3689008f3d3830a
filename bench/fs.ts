/**
 * `npm run bench:fs`: @ferry/fs's data readers against the emulator, as issue 6 asks.
 *
 * 1. Parquet projection: one column of a 20-column Parquet file with `readParquet(..., { columns })`
 *    over range reads, against downloading the whole file and parsing it (Microsoft's Graph SDK, and
 *    curl as the limit), on the WAN profile (20 ms per request, 50 MB/s per connection) and LAN. This
 *    is `npm run bench`'s Parquet scenarios, run through the same harness: time, bytes the emulator
 *    sent (its `bytesOut` counter, reset before each run) and peak RSS of the reading process, for
 *    rows, `as: "arrow"`, `streamParquet` and `streamParquetBatches` (issue 18: under 150 MB but rows).
 * 2. CSV streaming: CSVs of about 100, 250 and 500 MB generated on the emulator as a stream of rows,
 *    each counted by `streamCsv` (`cast: true`) in a fresh process: rows/s, MB/s and peak RSS, which
 *    must stay flat as the file grows (streaming must not buffer the file). Beside it, in the same
 *    run (issue 18): csv-parse over the same download (Ferry's reader before), the raw download,
 *    and DuckDB's `read_csv` over the same bytes on local disk, in its own process: "× DuckDB-local".
 *
 * 3. SQL: `query()` of an aggregate over the largest CSV, with a cold then a warm read cache,
 *    against DuckDB on a local copy of the file (the limit) and a `streamCsv` loop (lib/sql.ts).
 *
 * Prints one table and writes bench/results/fs.json.
 *
 * Options: --quick (135,000 Parquet rows, no warm-up run; 10/25/50 MB CSVs; about a minute),
 * --rounds N (default 3; the median is reported).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { type CsvRow, runCsvBench } from "./lib/csv.ts";
import { ROOT, startEmulatorProcess } from "./lib/emulatorProcess.ts";
import { FULL, QUICK, type Row, rowOf, runBench } from "./lib/harness.ts";
import { runSqlBench, type SqlRow, sqlTableLines } from "./lib/sql.ts";
import { removeBundles } from "./lib/worker.ts";
import { PARQUET_SCENARIOS } from "./scenarios/parquet.ts";

/** Row labels by scenario and contender. */
const LABEL: Record<string, string> = {
  "parquet ferry": "Ferry `readParquet`, 1 column, rows",
  "parquet sdk": "whole file + parse (Graph SDK)",
  "parquet limit": "whole file + parse (curl)",
  "parquet-arrow ferry": 'Ferry `readParquet`, 1 column, `as: "arrow"`',
  "parquet-stream ferry": "Ferry `streamParquet`, 1 column, rows counted",
  "parquet-batches ferry": "Ferry `streamParquetBatches`, 1 column",
};
const labelOf = (r: Row) => LABEL[`${r.scenario} ${r.contender}`] ?? `${r.scenario} ${r.contender}`;

const { values } = parseArgs({ options: { quick: { type: "boolean" }, rounds: { type: "string" } } });
const quick = values.quick === true;
const rounds = Number(values.rounds ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error("bench:fs: --rounds must be a positive integer");
  process.exit(2);
}
const MB = 1e6;
const csvSizes = (quick ? [10, 25, 50] : [100, 250, 500]).map((n) => n * MB);
const sizes = quick ? QUICK : FULL;
const out = join(ROOT, "bench/results/fs.json");
const started = performance.now();
const log = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);

const tmp = await mkdtemp(join(tmpdir(), "ferry-bench-fs-"));
try {
  // 1. The Parquet projection: `npm run bench`'s scenario, file and contenders, WAN first.
  const parquetResult = await runBench(
    { profiles: ["wan", "lan"], scenarios: PARQUET_SCENARIOS, sizes, rounds, warmup: !quick, log },
    tmp,
  );

  // 2. CSV streaming, on a LAN emulator of its own, so the reader, not the link, is measured.
  const emu = await startEmulatorProcess();
  let csv: CsvRow[];
  let sql: SqlRow[];
  try {
    const { accessToken } = await emu.admin.token("personal");
    csv = await runCsvBench({ emu, token: accessToken, sizes: csvSizes, rounds, log });
    // 3. SQL (issue 19): query() over the largest CSV, cold and warm cache, against DuckDB on a
    //    local copy and against a streamCsv loop.
    sql = await runSqlBench({ emu, token: accessToken, size: csvSizes.at(-1) ?? 0, log });
  } finally {
    await emu.stop();
    removeBundles();
  }

  const projection = (["wan", "lan"] as const).map((profile) => {
    const all = parquetResult.rows.filter((r) => r.profile === profile);
    const rows = all.filter((r) => r.scenario === "parquet");
    const ferry = rowOf(rows, "ferry");
    const whole = [rowOf(rows, "sdk"), rowOf(rows, "limit")].filter((r): r is Row => r !== undefined);
    const best = whole.length ? whole.reduce((a, b) => (a.seconds <= b.seconds ? a : b)) : undefined;
    return {
      profile,
      ferry: ferry && figures(ferry),
      wholeFile: Object.fromEntries(whole.map((r) => [r.contender, figures(r)])),
      bytesRatio: ferry && best ? ferry.bytesOut / best.bytesOut : undefined,
      speedup: ferry && best ? best.seconds / ferry.seconds : undefined,
      // Each way of reading the column: its peak RSS, bytes moved and time.
      modes: Object.fromEntries(
        all.filter((r) => r.contender === "ferry" && !r.notRun).map((r) => [r.scenario, figures(r)]),
      ),
    };
  });
  const smallest = csv[0];
  const rssGrowthMB = smallest ? Math.max(...csv.map((r) => r.peakRssBytes - smallest.peakRssBytes)) / MB : 0;

  const table = [renderTable(parquetResult.rows, csv), ...sqlTableLines(sql)].join("\n");
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nFerry bench:fs — ${quick ? "quick" : "full"}, median of ${rounds} runs; ` +
      `${parquetResult.machine.cpus} × ${parquetResult.machine.cpuModel}, Node ${parquetResult.machine.node}; ` +
      `${seconds.toFixed(0)} s\n`,
  );
  console.log(table);
  console.log(
    `\npeak RSS from the smallest to the largest CSV: +${rssGrowthMB.toFixed(1)} MB ` +
      `(${((csv.at(-1)?.fileBytes ?? 0) / (smallest?.fileBytes ?? 1)).toFixed(1)}× the file)`,
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: "fs",
        quick,
        date: new Date().toISOString(),
        seconds,
        machine: parquetResult.machine,
        loadAverage: parquetResult.loadAverage,
        rounds,
        parquet: { rows: sizes.parquetRows, columns: 20, projection, raw: parquetResult.rows },
        csv: { rows: csv, peakRssGrowthMB: rssGrowthMB },
        sql: { rows: sql },
        table,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}

function figures(r: Row) {
  return { seconds: r.seconds, bytesOut: r.bytesOut, requests: r.requests, peakRssBytes: r.peakRssBytes };
}

/** One Markdown table: the Parquet rows per profile, then the CSV rows. */
function renderTable(rows: Row[], csv: CsvRow[]): string {
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
  const lines = [
    "| part | profile / file | reader | time | bytes moved | throughput | peak RSS | note |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const profile of ["wan", "lan"] as const) {
    const mine = rows.filter((r) => r.profile === profile);
    const whole = mine.filter((r) => r.scenario === "parquet" && r.contender !== "ferry" && !r.notRun);
    const fewest = whole.length ? Math.min(...whole.map((r) => r.bytesOut)) : undefined;
    const fastest = whole.length ? Math.min(...whole.map((r) => r.seconds)) : undefined;
    for (const r of mine) {
      const name = `${profile.toUpperCase()} · ${sizes.parquetRows.toLocaleString("en")} rows × 20`;
      if (r.notRun) {
        lines.push(`| Parquet | ${name} | ${labelOf(r)} | ${r.notRun} | | | | |`);
        continue;
      }
      const vs =
        r.contender === "ferry" && fewest && fastest
          ? `${((r.bytesOut / fewest) * 100).toFixed(1)}% of the bytes, ${(fastest / r.seconds).toFixed(2)}× faster`
          : "";
      lines.push(
        `| Parquet | ${name} | ${labelOf(r)} | ${r.seconds.toFixed(3)} s | ${mb(r.bytesOut)} | ` +
          `— | ${mb(r.peakRssBytes)} | ${vs} |`,
      );
    }
  }
  const base = csv[0];
  const PEER_LABEL: Record<string, string> = {
    "csv-parse": "csv-parse, cast (Ferry before issue 18), same download",
    raw: "raw download of the same bytes (no parsing)",
    "duckdb-local": "DuckDB `read_csv`, same bytes on local disk",
  };
  for (const r of csv) {
    const file = `LAN · ${mb(r.fileBytes)}, ${r.rows.toLocaleString("en")} rows`;
    const notes = [
      r.vsCsvParse !== undefined ? `${r.vsCsvParse.toFixed(2)}× csv-parse` : "",
      r.vsDuckdbLocal !== undefined ? `${r.vsDuckdbLocal.toFixed(2)}× DuckDB-local` : "",
      r.vsRaw !== undefined ? `${r.vsRaw.toFixed(2)}× the raw download` : "",
      base && r !== base
        ? `peak RSS ${signed((r.peakRssBytes - base.peakRssBytes) / MB)} MB vs the smallest`
        : "",
      r.vsCsvParse !== undefined
        ? r.vsCsvParse >= 5
          ? `✓ ≥ 5× csv-parse: ${r.vsCsvParse.toFixed(2)}×`
          : `✗ **MISSED** ≥ 5× csv-parse: ${r.vsCsvParse.toFixed(2)}×`
        : "",
    ].filter(Boolean);
    lines.push(
      `| CSV | ${file} | \`streamCsv\`, cast | ` +
        `${r.seconds.toFixed(2)} s | ${mb(r.bytesOut)} | ${Math.round(r.rowsPerSecond).toLocaleString("en")} rows/s, ` +
        `${r.mbps.toFixed(1)} MB/s | ${mb(r.peakRssBytes)} | ${notes.join("; ")} |`,
    );
    for (const [peer, f] of Object.entries(r.peers)) {
      if (!f) continue;
      lines.push(
        `| CSV | ${file} | ${PEER_LABEL[peer]} | ${f.seconds.toFixed(2)} s | ${peer === "duckdb-local" ? "0 (local)" : mb(r.fileBytes)} | ` +
          `${peer === "raw" ? "—" : `${Math.round(f.rowsPerSecond).toLocaleString("en")} rows/s`}, ${f.mbps.toFixed(1)} MB/s | ` +
          `${mb(f.peakRssBytes)} | |`,
      );
    }
  }
  return lines.join("\n");
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}`;
}
