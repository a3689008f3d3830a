// Scenario 4: many small files, up and then down.
import { join } from "node:path";
import { writeGeneratedFile } from "../lib/content.ts";
import { check, rowOf, type Scenario, times } from "../lib/harness.ts";

export const smallFiles: Scenario = {
  id: "small",
  title: (s) => `${s.smallFiles.toLocaleString("en")} × ${s.smallFileBytes / 1000} KB up, then down`,
  contenders: ["ferry", "sdk", "limit"],
  async prepare(ctx) {
    await writeGeneratedFile(
      join(ctx.tmp, `small-${ctx.sizes.smallFileBytes}.bin`),
      ctx.sizes.smallFileBytes,
    );
  },
  args: async (ctx, contender, run) => ({
    folder: `bench/small-${contender}`,
    count: run.warmup ? Math.max(5, Math.ceil(ctx.sizes.smallFiles / 10)) : ctx.sizes.smallFiles,
    fileBytes: ctx.sizes.smallFileBytes,
    file: join(ctx.tmp, `small-${ctx.sizes.smallFileBytes}.bin`),
    concurrency: ctx.sizes.smallConcurrency,
  }),
  targets(rows, profile) {
    if (profile.id !== "wan") return [];
    const ferry = rowOf(rows, "ferry");
    return [check("≥ 4× a sequential SDK loop", ferry?.vsSdk, (v) => v >= 4, times)];
  },
};
