#!/usr/bin/env node
// Runs every check that `npm test` promises — typecheck, lint, then the Vitest suites — and ends
// with one plain line, `N passed, N failed`, counting each check and each test case.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let passed = 0;
let failed = 0;

function step(name, cmd, args) {
  console.log(`\n▶ ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status === 0) passed++;
  else {
    failed++;
    console.log(`✗ ${name} failed (exit ${r.status ?? r.signal})`);
  }
}

step("typecheck", "npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]);
step("lint", "npx", ["biome", "check", "."]);
// The browser test and `ferry dev` serve the built page (packages/web/dist), which a fresh clone lacks.
step("build web page", "npm", ["run", "build", "-w", "@ferry/web"]);

const dir = mkdtempSync(join(tmpdir(), "ferry-test-"));
const report = join(dir, "vitest.json");
const extra = process.argv.slice(2);
console.log("\n▶ vitest");
const r = spawnSync(
  "npx",
  ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extra],
  {
    stdio: "inherit",
  },
);
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no test results but must still count as a failure.
  failed += json.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  if (json.numTotalTests === 0) failed++;
} catch {
  console.log(`✗ vitest produced no report (exit ${r.status ?? r.signal})`);
  failed++;
}
if (r.status !== 0 && failed === 0) failed++;
rmSync(dir, { recursive: true, force: true });

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
