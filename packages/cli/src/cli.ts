// The `ferry` entry point: parse, run, and turn any failure into a one-line message and an exit code.

import { EXIT_OK, reportError } from "./errors.ts";
import { buildProgram } from "./program.ts";

const debug = process.argv.includes("--debug");
// `ferry ls | head`: the reader closed the pipe. Stop quietly, as Unix tools do, rather than crash on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(EXIT_OK);
  throw error;
});
try {
  await buildProgram().parseAsync(process.argv);
  process.exitCode = EXIT_OK;
} catch (error) {
  process.exitCode = reportError(error, debug);
}
