// @ferry/cli is used as the `ferry` command; the program is exported for tests and for embedding.

export { type DevStack, type DevStackOptions, startDevStack } from "./devStack.ts";
export { buildProgram } from "./program.ts";
