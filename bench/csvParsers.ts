/**
 * `npm run bench:csv-parsers`: how issue 18 chose Ferry's CSV parser. Each candidate reads the same
 * local CSV (bench:fs's 5-column rows), casts values to numbers as it does, and sums a column, in a
 * fresh process per round: rows/s, MB/s, peak RSS (VmHWM), and the ratio to csv-parse (Ferry's
 * parser before) and to DuckDB's read_csv. Prints a table and writes bench/results/csvParsers.json.
 *
 * Options: --mb N (file size, default 100), --rounds N (default 3; the median is reported).
 */
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { csvChunks, csvShape } from "./lib/csv.ts";
import { ROOT } from "./lib/emulatorProcess.ts";
import { median } from "./lib/stats.ts";
import { removeBundles, runWorker } from "./lib/worker.ts";

const WORKER = join(ROOT, "bench/workers/csvParsers.ts");
const DUCKDB_WORKER = join(ROOT, "bench/workers/duckdbCsv.mjs");
export const CANDIDATES = [
  "ferry",
  "ferry-batches",
  "ferry-arrow",
  "csv-parse",
  "papaparse",
  "udsv",
  "d3-dsv",
  "duckdb",
];

const { values } = parseArgs({ options: { mb: { type: "string" }, rounds: { type: "string" } } });
const mb = Number(values.mb ?? 100);
const rounds = Number(values.rounds ?? 3);
const tmp = await mkdtemp(join(tmpdir(), "ferry-bench-csv-"));
try {
  const { rows, bytes } = csvShape(mb * 1e6);
  const file = join(tmp, "rows.csv");
  await pipeline(Readable.from(csvChunks(rows)), createWriteStream(file));
  const results = [];
  for (const candidate of CANDIDATES) {
    const runs = [];
    for (let i = 0; i < rounds; i++) {
      const r = await runWorker(candidate === "duckdb" ? DUCKDB_WORKER : WORKER, {
        scenario: candidate,
        graphUrl: "",
        token: "",
        file,
      });
      if (r.rows !== rows) throw new Error(`${candidate} counted ${String(r.rows)} rows of ${rows}`);
      runs.push(r);
    }
    const seconds = median(runs.map((r) => r.seconds));
    results.push({
      candidate,
      seconds,
      cpuSeconds: median(runs.map((r) => Number(r.cpuSeconds))),
      sum: runs[0]?.sum,
      rowsPerSecond: rows / seconds,
      mbps: bytes / seconds / 1e6,
      peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    });
    process.stderr.write(`${candidate}: ${seconds.toFixed(2)} s\n`);
  }
  const base = results.find((r) => r.candidate === "csv-parse");
  const duck = results.find((r) => r.candidate === "duckdb");
  const lines = [
    "| parser | time | CPU time | rows/s | MB/s | peak RSS | × csv-parse | × DuckDB |",
    "|---|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.candidate} | ${r.seconds.toFixed(2)} s | ${r.cpuSeconds.toFixed(2)} s | ${Math.round(r.rowsPerSecond).toLocaleString("en")} | ` +
        `${r.mbps.toFixed(1)} | ${(r.peakRssBytes / 1e6).toFixed(0)} MB | ` +
        `${base ? (base.seconds / r.seconds).toFixed(2) : "—"}× | ${duck ? (duck.seconds / r.seconds).toFixed(2) : "—"}× |`,
    ),
  ];
  const table = lines.join("\n");
  console.log(
    `\nCSV parsers — ${(bytes / 1e6).toFixed(0)} MB, ${rows.toLocaleString("en")} rows, median of ${rounds}; ${cpus().length} × ${cpus()[0]?.model}, Node ${process.versions.node}\n`,
  );
  console.log(table);
  const out = join(ROOT, "bench/results/csvParsers.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: "csvParsers", date: new Date().toISOString(), fileBytes: bytes, rows, rounds, results, table }, null, 2)}\n`,
  );
} finally {
  removeBundles();
  await rm(tmp, { recursive: true, force: true });
}
