#!/usr/bin/env node
// Runs every check that `npm test` promises — typecheck, lint, the Vitest suites, the Python client's pytest suite
// and, on CI, the reliability suites — and ends
// with one plain line, `N passed, N failed`, counting each check and each test case.
import { spawnSync } from "node:child_process";
import { runPython } from "./pythonRun.mjs";
import { finish } from "./summary.mjs";
import { runReliability, runVitest } from "./vitestRun.mjs";

let passed = 0;
let failed = 0;
/** What failed, by name, printed last: CI keeps only the tail of the output. */
const failures = [];

function step(name, cmd, args) {
  console.log(`\n▶ ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status === 0) passed++;
  else {
    failed++;
    console.log(`✗ ${name} failed (exit ${r.status ?? r.signal})`);
    failures.push(`${name} (exit ${r.status ?? r.signal})`);
  }
}

step("typecheck", "npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]);
step("lint", "npx", ["biome", "check", "."]);
// Every package to dist/ and the page into the broker (scripts/build.mjs): the install test packs the built output,
// and the browser test and `ferry dev` serve the built page. Every other test runs the sources.
step("build", process.execPath, ["scripts/build.mjs"]);

const unit = runVitest("vitest", process.argv.slice(2));
passed += unit.passed;
failed += unit.failed;
failures.push(...unit.failures);
// The Python client (python/): its wheel in a fresh venv, pytest against `ferry dev`.
const python = runPython();
passed += python.passed;
failed += python.failed;
failures.push(...python.failures);
// The reliability suites take minutes; CI always runs them, a developer runs `npm run test:reliability`.
if (process.env.CI === "true" || process.env.CI === "1") {
  const reliability = runReliability();
  passed += reliability.passed;
  failed += reliability.failed;
  failures.push(...reliability.failures);
}

finish({ passed, failed, failures });
