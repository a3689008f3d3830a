import { defineConfig } from "vitest/config";
import { RELIABILITY_TESTS } from "./suites.ts";

export default defineConfig({
  root: new URL("..", import.meta.url).pathname,
  test: {
    include: RELIABILITY_TESTS,
    pool: "forks",
    testTimeout: 600_000,
    hookTimeout: 180_000,
    // Two cores: the load and crash suites measure the broker, so they must not fight a third worker.
    maxWorkers: 2,
    allowOnly: false,
  },
});
