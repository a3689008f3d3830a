/**
 * `npm run bench:sql`: the SQL row of `npm run bench:fs` on its own (lib/sql.ts): `query()` of an
 * aggregate over the bench CSV with a cold and a warm read cache, DuckDB on a local copy (the
 * limit), and a `streamCsv` loop, on a LAN emulator. Writes bench/results/sql.json.
 *
 * Options: --quick (50 MB instead of 500 MB).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, startEmulatorProcess } from "./lib/emulatorProcess.ts";
import { runSqlBench, sqlTableLines } from "./lib/sql.ts";
import { removeBundles } from "./lib/worker.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean" } } });
const size = values.quick ? 50e6 : 500e6;
const started = performance.now();
const log = (line: string) =>
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);
const emu = await startEmulatorProcess();
try {
  const { accessToken } = await emu.admin.token("personal");
  const rows = await runSqlBench({ emu, token: accessToken, size, log });
  const table = [
    "| part | profile / file | reader | time | bytes moved | throughput | peak RSS | note |",
    "|---|---|---|---|---|---|---|---|",
    ...sqlTableLines(rows),
  ].join("\n");
  console.log(table);
  const out = join(ROOT, "bench/results/sql.json");
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: "sql",
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
        rows,
        table,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
} finally {
  await emu.stop();
  removeBundles();
}
