import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores here: more workers only make the emulator-heavy suites fight over CPU.
    maxWorkers: 2,
    allowOnly: false,
  },
});
