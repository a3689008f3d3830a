// The one table `npm run bench` prints (Markdown, so RESULTS.md and the README take it as is).
import { type BenchResult, CONTENDERS, PROFILES, type Row, type TargetCheck } from "./harness.ts";

const fixed = (v: number | undefined, digits: number) => (v === undefined ? "" : v.toFixed(digits));
const ratio = (v: number | undefined) => (v === undefined ? "" : `${v.toFixed(2)}×`);

export function renderTable(result: BenchResult): string {
  const head = [
    "profile",
    "scenario",
    "contender",
    "time (s)",
    "MB/s",
    "requests",
    "file MB moved",
    "peak RSS (MB)",
    "speed vs SDK",
    "speed vs limit",
    "targets",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of result.rows) {
    const checks = row.contender === "ferry" || row.contender === "broker" ? targetsOf(result, row) : [];
    const cells = row.notRun
      ? [
          PROFILES[row.profile].label,
          row.scenarioTitle,
          label(row),
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          `not run: ${row.notRun}`,
        ]
      : [
          PROFILES[row.profile].label,
          row.scenarioTitle,
          label(row),
          fixed(row.seconds, row.seconds < 10 ? 3 : 1),
          fixed(row.mbps, 1),
          String(Math.round(row.requests)),
          fixed((row.bytesIn + row.bytesOut) / 1e6, 1),
          fixed(row.peakRssBytes / 1e6, 0),
          ratio(row.vsSdk),
          ratio(row.vsLimit),
          [row.note, ...checks.map(show)].filter(Boolean).join("; "),
        ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function label(row: Row): string {
  return row.contender === "broker" ? "Ferry broker" : CONTENDERS[row.contender].label;
}

function targetsOf(result: BenchResult, row: Row): TargetCheck[] {
  return result.targets.filter((t) => t.profile === row.profile && t.scenario === row.scenario);
}

/** A met target reads "✓ …"; a missed one is spelled out, so it cannot be overlooked. */
function show(t: TargetCheck): string {
  const mark = t.met === undefined ? "? NOT MEASURED" : t.met ? "✓" : "✗ **MISSED**";
  return `${mark} ${t.target}: ${t.actual}`;
}

/** Counts of met and missed targets, for the last line of the run. */
export function targetSummary(result: BenchResult): string {
  const met = result.targets.filter((t) => t.met === true).length;
  const missed = result.targets.filter((t) => t.met === false).length;
  const unmeasured = result.targets.filter((t) => t.met === undefined).length;
  return `targets: ${met} met, ${missed} missed${unmeasured ? `, ${unmeasured} not measured` : ""}`;
}
