// Runs one benchmark scenario in a fresh child process and returns what it printed, plus the
// child's peak RSS (getrusage maxrss), so each contender's memory is measured on its own.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface WorkerResult {
  /** Seconds the measured part took, as the worker timed it. */
  seconds: number;
  /** Payload bytes moved (file bytes, not protocol overhead). */
  bytes?: number;
  peakRssBytes: number;
  [key: string]: unknown;
}

const bundles = new Map<string, Promise<string>>();
/**
 * Bundles live under the workspace's node_modules/.cache, so the packages left out of them (DuckDB's
 * native binding cannot be bundled) resolve from the workspace as they would in a user's project.
 */
const BUNDLE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../node_modules/.cache");
const bundleDirs: string[] = [];
process.once("exit", removeBundles);

/** Deletes the worker bundles built so far (they are rebuilt when next needed). */
export function removeBundles(): void {
  for (const dir of bundleDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  bundles.clear();
}

/**
 * Workers run as plain JavaScript bundles, as a user's compiled job would: running them through
 * tsx would add its own ~37 MB to every peak-RSS figure.
 */
function bundle(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    out = (async () => {
      await mkdir(BUNDLE_ROOT, { recursive: true });
      const dir = await mkdtemp(join(BUNDLE_ROOT, "ferry-bench-"));
      bundleDirs.push(dir);
      const outfile = join(dir, `${basename(script, ".ts")}.mjs`);
      await build({
        entryPoints: [script],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        // The workspace packages from their sources (as every workspace test), so a bench needs no build first.
        conditions: ["@ferry/source"],
        outfile,
        external: ["@duckdb/node-api"],
        logLevel: "warning",
        // The Graph SDK and others are CommonJS inside; give the ESM bundle a require().
        banner: {
          js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        },
      });
      return outfile;
    })();
    bundles.set(script, out);
  }
  return out;
}

/**
 * Runs `script` with `args` as JSON on its stdin (never argv: they carry an access token, and
 * argv is visible to every user through `ps`), and parses the last line it prints.
 */
export async function runWorker(script: string, args: Record<string, unknown>): Promise<WorkerResult> {
  // A plain .mjs worker runs as it is: DuckDB's native addon cannot go into an esbuild bundle.
  const entry = script.endsWith(".mjs") ? script : await bundle(script);
  const child = spawn(process.execPath, [entry], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin.end(JSON.stringify(args));
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      // Name the scenario, never the arguments: they carry an access token.
      if (code !== 0)
        return reject(new Error(`${basename(script)} (${String(args.scenario)}) exited with ${code}`));
      try {
        resolve(JSON.parse(line) as WorkerResult);
      } catch {
        reject(new Error(`${basename(script)} (${String(args.scenario)}) printed no result`));
      }
    });
  });
}
