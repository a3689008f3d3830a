#!/usr/bin/env node
// `npm run test:reliability`: chaos, throttling storms, long jobs, broker crashes, load and hostile input,
// then the figures table and `N passed, N failed`.
import { finish } from "./summary.mjs";
import { runReliability } from "./vitestRun.mjs";

finish(runReliability(process.argv.slice(2)));
