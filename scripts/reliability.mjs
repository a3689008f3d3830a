#!/usr/bin/env node
// `npm run test:reliability`: chaos, throttling storms, long jobs, broker crashes, load and hostile input,
// then the figures table and `N passed, N failed`.
import { runReliability } from "./vitestRun.mjs";

const { passed, failed, failures } = runReliability(process.argv.slice(2));
if (failures.length > 0) console.log(`\nFailed:\n${failures.map((f) => `  ✗ ${f}`).join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
