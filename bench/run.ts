/**
 * `npm run bench`: Ferry side by side with Microsoft's Graph SDK and the limit (curl), on the same
 * emulator in the same run, under a LAN and a WAN profile. Prints one table and writes
 * bench/results/latest.json. See bench/RESULTS.md for what each contender does.
 *
 * Options:
 *   --quick              smaller sizes (under two minutes)
 *   --rounds N           measured runs per contender (default 3; the median is reported)
 *   --profile lan|wan    one profile only (repeatable; default both)
 *   --scenario ID        list, download, upload, small, parquet, parquet-arrow, parquet-stream,
 *                        parquet-batches, token (repeatable; default all)
 *   --no-warmup          skip the warm-up run
 *   --out FILE           where to write the JSON (default bench/results/latest.json)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/emulatorProcess.ts";
import { FULL, type ProfileId, QUICK, runBench } from "./lib/harness.ts";
import { renderTable, targetSummary } from "./lib/table.ts";
import { SCENARIOS } from "./scenarios/index.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    rounds: { type: "string" },
    profile: { type: "string", multiple: true },
    scenario: { type: "string", multiple: true },
    "no-warmup": { type: "boolean" },
    out: { type: "string" },
  },
});
const profiles = (values.profile ?? ["lan", "wan"]) as ProfileId[];
const wanted = values.scenario ?? SCENARIOS.map((s) => s.id);
const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
if (unknown.length || profiles.some((p) => p !== "lan" && p !== "wan")) {
  console.error(`bench: unknown scenario or profile: ${[...unknown, ...profiles].join(", ")}`);
  process.exit(2);
}
const rounds = Number(values.rounds ?? 3);
const out = resolve(values.out ?? join(ROOT, "bench/results/latest.json"));

const tmp = await mkdtemp(join(tmpdir(), "ferry-bench-"));
const started = performance.now();
try {
  const result = await runBench(
    {
      profiles,
      scenarios: SCENARIOS.filter((s) => wanted.includes(s.id)),
      sizes: values.quick ? QUICK : FULL,
      rounds,
      warmup: values["no-warmup"] !== true,
    },
    tmp,
  );
  const table = renderTable(result);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nFerry benchmark — ${values.quick ? "quick" : "full"}, median of ${rounds} runs after a warm-up; ` +
      `${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}; ${seconds.toFixed(0)} s; ` +
      `load average ${result.loadAverage.before.toFixed(1)} → ${result.loadAverage.after.toFixed(1)}\n`,
  );
  console.log(table);
  console.log(`\n${targetSummary(result)}`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: "side-by-side", quick: values.quick === true, seconds, ...result, table }, null, 2)}\n`,
  );
  console.log(`wrote ${out}`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
