// The worker side of lib/worker.ts, kept apart so worker bundles don't pull in esbuild.
import { peakRss } from "./peakRss.ts";
import { trustCertificate } from "./tls.ts";
import type { WorkerResult } from "./worker.ts";

/** What every worker receives; scenario-specific fields come alongside. */
export interface WorkerArgs {
  scenario: string;
  graphUrl: string;
  /** Graph access token. Arrives on stdin, never in argv, so `ps` does not show it. */
  token: string;
  /** PEM of the emulator's certificate, when it serves TLS. */
  ca?: string;
  /** The same certificate as a file, for curl. */
  caFile?: string;
}

/** Reads the JSON arguments from stdin and trusts the emulator's certificate, if any. */
export async function workerArgs<T extends WorkerArgs>(): Promise<T> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  const args = JSON.parse(text) as T;
  if (args.ca) trustCertificate(args.ca);
  return args;
}

/** Called by a worker as its last act: prints the result with this process's peak RSS. */
export function report(result: Omit<WorkerResult, "peakRssBytes"> & { peakRssBytes?: number }): void {
  process.stdout.write(
    `${JSON.stringify({ peakRssBytes: peakRss("self") || process.resourceUsage().maxRSS * 1024, ...result })}\n`,
  );
}

/**
 * A worker's whole main: reads its arguments, runs the handler of the scenario asked for, and
 * reports. Errors name the scenario only: the arguments carry an access token.
 */
export async function serveScenarios<T extends WorkerArgs>(
  name: string,
  handlers: Record<
    string,
    (args: T) => Promise<Omit<WorkerResult, "peakRssBytes"> & { peakRssBytes?: number }>
  >,
): Promise<void> {
  const args = await workerArgs<T>();
  const handler = handlers[args.scenario];
  if (!handler) throw new Error(`${name}: no scenario ${args.scenario}`);
  report(await handler(args));
}
