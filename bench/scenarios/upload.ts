// Scenario 3: upload a 1 GiB local file.
import { join } from "node:path";
import { writeGeneratedFile } from "../lib/content.ts";
import { check, megabytes, rowOf, type Scenario, times } from "../lib/harness.ts";
import { size } from "./download.ts";

/** Graph's largest fragment: the limit sends the file in as few requests as Graph allows. */
export const LIMIT_FRAGMENT = 60 * 1024 * 1024;

const localFile = (tmp: string, bytes: number) => join(tmp, `upload-${bytes}.bin`);
const warmBytes = (bytes: number) => Math.max(8 * 1024 * 1024, Math.floor(bytes / 8));

export const upload: Scenario = {
  id: "upload",
  title: (s) => `upload ${size(s.fileBytes)}`,
  contenders: ["ferry", "sdk", "limit"],
  async prepare(ctx) {
    await writeGeneratedFile(localFile(ctx.tmp, ctx.sizes.fileBytes), ctx.sizes.fileBytes);
    await writeGeneratedFile(
      localFile(ctx.tmp, warmBytes(ctx.sizes.fileBytes)),
      warmBytes(ctx.sizes.fileBytes),
    );
  },
  async args(ctx, contender, run) {
    const bytes = run.warmup ? warmBytes(ctx.sizes.fileBytes) : ctx.sizes.fileBytes;
    const path = `bench/upload-${contender}.bin`;
    const args = { path, file: localFile(ctx.tmp, bytes), size: bytes };
    if (contender !== "limit") return args;
    // The limit gets its upload session up front: it measures the transfer alone.
    const session = await ctx.graph<{ uploadUrl: string }>(
      "POST",
      `me/drive/root:/${path}:/createUploadSession`,
      {
        item: { "@microsoft.graph.conflictBehavior": "replace" },
      },
    );
    return { ...args, uploadUrl: session.uploadUrl, fragment: LIMIT_FRAGMENT };
  },
  targets(rows) {
    const ferry = rowOf(rows, "ferry");
    return [
      check("≥ 0.8× the limit", ferry?.vsLimit, (v) => v >= 0.8, times),
      check("faster than the Graph SDK", ferry?.vsSdk, (v) => v > 1, times),
      check("peak RSS < 150 MB", ferry?.peakRssBytes, (v) => v < 150e6, megabytes),
    ];
  },
};
