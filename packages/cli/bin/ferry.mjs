#!/usr/bin/env node
// The `ferry` command runs the compiled CLI: "#main" is dist/cli.js (package.json "imports"). In the Ferry workspace
// the tests start it with `--conditions=@ferry/source --import tsx`, and "#main" is then src/cli.ts.
// With --debug, stack traces point into the TypeScript sources through the shipped source maps.
import { existsSync } from "node:fs";

if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);
try {
  await import("#main");
} catch (error) {
  // A checkout of the repository before its first build; an installed package always has dist/.
  if (error?.code === "ERR_MODULE_NOT_FOUND" && !existsSync(new URL("../dist/cli.js", import.meta.url))) {
    process.stderr.write(
      "ferry: this copy of @ferry/cli is not built: run `npm run build` in the repository\n",
    );
    process.exit(1);
  }
  throw error;
}
