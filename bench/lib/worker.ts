// Runs one benchmark scenario in a fresh child process and returns what it printed, plus the
// child's peak RSS (getrusage maxrss), so each contender's memory is measured on its own.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { build } from "esbuild";

export interface WorkerResult {
  /** Seconds the measured part took, as the worker timed it. */
  seconds: number;
  bytes?: number;
  peakRssBytes: number;
  [key: string]: unknown;
}

const bundles = new Map<string, Promise<string>>();

/**
 * Workers run as plain JavaScript bundles, as a user's compiled job would: running them through
 * tsx would add its own ~37 MB to every peak-RSS figure.
 */
function bundle(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    out = (async () => {
      const dir = await mkdtemp(join(tmpdir(), "ferry-bench-"));
      const outfile = join(dir, `${basename(script, ".ts")}.mjs`);
      await build({
        entryPoints: [script],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile,
        logLevel: "warning",
      });
      return outfile;
    })();
    bundles.set(script, out);
  }
  return out;
}

export async function runWorker(script: string, args: Record<string, unknown>): Promise<WorkerResult> {
  const child = spawn(process.execPath, [await bundle(script), JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      // Name the scenario, never the arguments: they carry an access token.
      if (code !== 0)
        return reject(new Error(`${basename(script)} (${String(args.scenario)}) exited with ${code}`));
      try {
        resolve(JSON.parse(line) as WorkerResult);
      } catch {
        reject(new Error(`${script} printed no result: ${out.slice(-500)}`));
      }
    });
  });
}

/** Called by a worker as its last act: prints the result with this process's peak RSS. */
export function report(result: Omit<WorkerResult, "peakRssBytes">): void {
  process.stdout.write(
    `${JSON.stringify({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}
