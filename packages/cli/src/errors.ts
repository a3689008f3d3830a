// Exit codes and the one-line error. Every failure the user can fix ends as `ferry: <what to do>` on
// stderr; the stack is for `--debug` only, because a trace buries the one line that matters.

import { CommanderError } from "commander";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure with a message written for the user (it already says what to do). */
export class CliError extends Error {
  override name = "CliError";
  /** Lines printed after the one-line message, e.g. DuckDB's excerpt of the SQL with a caret. */
  readonly detail: string | undefined;
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.detail = options?.detail;
  }
}

/** Wrong arguments: exit code 2, like commander's own parse errors. */
export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** Prints the error and returns the exit code for it. */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help); only the code is ours to choose.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_OK;
    if (error.code === "commander.help") return EXIT_OK;
    return EXIT_USAGE;
  }
  const message = describe(error);
  process.stderr.write(`ferry: ${message}\n`);
  if (error instanceof CliError && error.detail) process.stderr.write(`${error.detail}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fetch hides the socket error in `cause`; "fetch failed" alone says nothing useful.
  const cause = (error as { cause?: { code?: string } }).cause;
  if (error.message === "fetch failed" && cause?.code === "ECONNREFUSED") {
    return "cannot reach the Ferry broker: is it running? Start one with `ferry dev` or `ferry serve`";
  }
  const code = (error as { code?: string }).code;
  const path = (error as { path?: string }).path;
  // listen() failures of `ferry serve` and `ferry dev`: say which port, and what to change.
  const { address, port } = error as { address?: string; port?: number };
  if (code === "EADDRINUSE" && port !== undefined) {
    return `port ${port} on ${address ?? "this machine"} is already in use (another broker or \`ferry dev\`?): stop it, or choose another port with --port`;
  }
  if (code === "EADDRNOTAVAIL" && address !== undefined) {
    return `${address} is not an address of this machine: listen on 127.0.0.1 (the default) or 0.0.0.0 with --host`;
  }
  if (code === "ENOENT") return `${path ?? error.message}: no such file or folder`;
  if (code === "EACCES") return `${path ?? error.message}: permission denied`;
  // @ferry/fs speaks to programmers ("pass { recursive: true }"); on the command line that is -r.
  return (error.message.split("\n")[0] ?? error.name).replace("pass { recursive: true }", "use -r");
}
