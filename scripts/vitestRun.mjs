// One Vitest run, counted: `npm test` and `npm run test:reliability` both end on `N passed, N failed`, and a
// suite that fails to load, or a run that dies, must count as a failure rather than as nothing. On CI a skipped
// or todo test counts as failed too: nothing may be skipped there, and a `.skip` must not pass silently.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/**
 * Runs `vitest run` with `args` and `env` added; returns the counts of passed and failed tests, and the names of the
 * failures, which the caller prints just above the summary line: CI keeps only the tail of a run's output, and a
 * count alone does not say which test to look at.
 */
export function runVitest(title, args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-test-"));
  const report = join(dir, "vitest.json");
  console.log(`\n▶ ${title}`);
  const r = spawnSync(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args],
    { stdio: "inherit", env: { ...process.env, ...env } },
  );
  let passed = 0;
  let failed = 0;
  const failures = [];
  try {
    const json = JSON.parse(readFileSync(report, "utf8"));
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    const ci = process.env.CI === "true" || process.env.CI === "1";
    const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
    if (ci && skipped > 0) {
      console.log(`✗ ${title}: ${skipped} skipped or todo test(s); on CI nothing may be skipped`);
      failed += skipped;
    }
    for (const suite of json.testResults) {
      const file = relative(process.cwd(), suite.name);
      for (const test of suite.assertionResults) {
        if (test.status === "failed") failures.push(`${file} > ${test.fullName}`);
        else if (ci && (test.status === "pending" || test.status === "skipped" || test.status === "todo"))
          failures.push(`${file} > ${test.fullName} (skipped)`);
      }
      if (suite.status === "failed" && suite.assertionResults.length === 0) {
        failed++;
        failures.push(`${file} (the file failed to load)`);
      }
    }
    if (json.numTotalTests === 0) {
      failed++;
      failures.push(`${title}: no tests ran`);
    }
  } catch {
    console.log(`✗ ${title} produced no report (exit ${r.status ?? r.signal})`);
    failed++;
    failures.push(`${title}: no report (exit ${r.status ?? r.signal})`);
  }
  if (r.status !== 0 && failed === 0) {
    failed++;
    failures.push(`${title}: vitest exited ${r.status ?? r.signal} with every test passed`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { passed, failed, failures };
}

/** Runs the reliability suites and prints the figures they recorded as one table. */
export function runReliability(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-figures-"));
  const figuresFile = join(dir, "figures.jsonl");
  const counts = runVitest("reliability suites", ["--config", "reliability/vitest.config.ts", ...extraArgs], {
    FERRY_FIGURES_FILE: figuresFile,
  });
  const lines = existsSync(figuresFile) ? readFileSync(figuresFile, "utf8").split("\n").filter(Boolean) : [];
  printFigures(lines.map((l) => JSON.parse(l)));
  rmSync(dir, { recursive: true, force: true });
  return counts;
}

function printFigures(figures) {
  console.log("\nReliability figures");
  if (figures.length === 0) {
    console.log("  (none recorded)");
    return;
  }
  figures.sort((a, b) => a.area.localeCompare(b.area));
  const rows = figures.map((f) => [f.area, f.name, String(f.value), f.bar ?? ""]);
  const head = ["area", "figure", "value", "bar"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `  ${cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd()}`;
  console.log(line(head));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
}
