// The worker side of lib/worker.ts, kept apart so worker bundles don't pull in esbuild.
import type { WorkerResult } from "./worker.ts";

/** Called by a worker as its last act: prints the result with this process's peak RSS. */
export function report(result: Omit<WorkerResult, "peakRssBytes">): void {
  process.stdout.write(
    `${JSON.stringify({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}
