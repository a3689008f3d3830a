#!/usr/bin/env node
// The `ferry-emulator` command runs the compiled emulator: "#main" is dist/cli.js (package.json "imports"). In the
// Ferry workspace the tests start it with `--conditions=@ferry/source --import tsx`, and "#main" is src/cli.ts.
import { existsSync } from "node:fs";

try {
  await import("#main");
} catch (error) {
  // A checkout of the repository before its first build; an installed package always has dist/.
  if (error?.code === "ERR_MODULE_NOT_FOUND" && !existsSync(new URL("../dist/cli.js", import.meta.url))) {
    process.stderr.write("ferry-emulator: this copy is not built: run `npm run build` in the repository\n");
    process.exit(1);
  }
  throw error;
}
