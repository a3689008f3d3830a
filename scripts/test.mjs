#!/usr/bin/env node
// Runs every check that `npm test` promises — typecheck, lint, the Vitest suites, the Python client's pytest suite
// and, on CI, the reliability suites — and ends
// with one plain line, `N passed, N failed`, counting each check and each test case.
import { spawnSync } from "node:child_process";
import { runPython } from "./pythonRun.mjs";
import { runReliability, runVitest } from "./vitestRun.mjs";

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

const unit = runVitest("vitest", process.argv.slice(2));
passed += unit.passed;
failed += unit.failed;
// The Python client (python/): its wheel in a fresh venv, pytest against `ferry dev`.
const python = runPython();
passed += python.passed;
failed += python.failed;
// The reliability suites take minutes; CI always runs them, a developer runs `npm run test:reliability`.
if (process.env.CI === "true" || process.env.CI === "1") {
  const reliability = runReliability();
  passed += reliability.passed;
  failed += reliability.failed;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
