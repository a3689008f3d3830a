// curl as the limit contender: a C client doing nothing but moving the bytes. Its options arrive
// in a config file (`-K FILE`, mode 0600 in a private temporary folder, removed right after),
// never in argv, because they hold bearer tokens and pre-authenticated URLs that `ps` would
// otherwise show. Its peak RSS is sampled from /proc while it runs (curl's footprint is flat, so
// sampling finds its peak).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { peakRss } from "./peakRss.ts";

export const CURL = "/usr/bin/curl";

export function hasCurl(): boolean {
  return existsSync(CURL);
}

/** A curl config value, quoted as curl's config syntax wants it. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export interface CurlRun {
  /** What curl wrote to stdout: a body (`output = "-"`) or its `write-out` lines. */
  stdout: Buffer;
  peakRssBytes: number;
}

/**
 * Runs curl with `config`; `stdin` feeds an upload body (`upload-file = "-"`). Rejects when curl
 * fails, naming only `what` (its config holds secrets).
 */
export async function runCurl(what: string, config: string, stdin?: Readable): Promise<CurlRun> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-bench-curl-"));
  const file = join(dir, "config");
  await writeFile(file, config, { mode: 0o600 });
  try {
    return await spawnCurl(what, file, stdin);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnCurl(what: string, configFile: string, stdin?: Readable): Promise<CurlRun> {
  const child = spawn(CURL, ["-K", configFile], { stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  if (stdin && child.stdin) {
    child.stdin.on("error", () => undefined); // curl exiting early is reported by its exit code
    stdin.pipe(child.stdin);
  }
  const stdout: Buffer[] = [];
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout.push(d);
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, peakRss(child.pid ?? 0));
  };
  const timer = setInterval(sample, 5);
  return new Promise((resolve, reject) => {
    child.once("error", (e) => {
      clearInterval(timer);
      reject(new Error(`curl (${what}) could not start: ${e.message}`));
    });
    child.once("exit", (code) => {
      clearInterval(timer);
      // curl's own messages name the URL; keep only its exit code and first words.
      if (code !== 0)
        return reject(new Error(`curl (${what}) exited with ${code}: ${stderr.split(":")[0]?.slice(0, 80)}`));
      resolve({ stdout: Buffer.concat(stdout), peakRssBytes: peak });
    });
    sample();
  });
}
