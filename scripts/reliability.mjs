#!/usr/bin/env node
// `npm run test:reliability`: chaos, throttling storms, long jobs, broker crashes, load and hostile input,
// then the figures table and `N passed, N failed`.
import { runReliability } from "./vitestRun.mjs";

const { passed, failed } = runReliability(process.argv.slice(2));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
