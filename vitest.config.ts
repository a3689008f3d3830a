import { defineConfig } from "vitest/config";
import { RELIABILITY_TESTS } from "./reliability/suites.ts";

// Tests run the workspace packages from their sources: the "@ferry/source" export condition (see tsconfig.json) comes
// first, then Vite's usual server conditions. The tarballs are tested on their built output (packages/cli/test/
// packed.test.ts). A custom name rather than "development", which Vite turns on for any user's dev build.
const conditions = ["@ferry/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    // The reliability suites run on their own: `npm run test:reliability`, and inside `npm test` on CI.
    exclude: ["**/node_modules/**", ...RELIABILITY_TESTS],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores here: more workers only make the emulator-heavy suites fight over CPU.
    maxWorkers: 2,
    allowOnly: false,
  },
});
