import { defineConfig } from "vitest/config";
import { RELIABILITY_TESTS } from "./reliability/suites.ts";

export default defineConfig({
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
