// Scenario 2: download a 1 GiB file.
import { check, megabytes, rowOf, type Scenario, times } from "../lib/harness.ts";

const path = (size: number) => `bench/download-${size}.bin`;
const warmPath = "bench/download-warm.bin";
const WARM_BYTES = 32 * 1024 * 1024;

export const download: Scenario = {
  id: "download",
  title: (s) => `download ${size(s.fileBytes)}`,
  contenders: ["ferry", "sdk", "node", "limit"],
  async prepare(ctx) {
    await ctx.emu.admin.seed({
      account: "personal",
      files: [
        { path: path(ctx.sizes.fileBytes), size: ctx.sizes.fileBytes },
        { path: warmPath, size: Math.min(WARM_BYTES, ctx.sizes.fileBytes) },
      ],
    });
  },
  async args(ctx, contender, run) {
    const p = run.warmup ? warmPath : path(ctx.sizes.fileBytes);
    if (contender === "ferry" || contender === "sdk") return { path: p };
    // The limit and Node's bare socket get the pre-authenticated URL up front: they measure the
    // transfer alone.
    const item = await ctx.graph("GET", `me/drive/root:/${p}`);
    return { downloadUrl: item["@microsoft.graph.downloadUrl"] };
  },
  targets(rows, profile) {
    const ferry = rowOf(rows, "ferry");
    const bare = rowOf(rows, "node");
    return [
      profile.id === "lan"
        ? check("≥ 0.8× the limit", ferry?.vsLimit, (v) => v >= 0.8, times)
        : check("≥ 3× the Graph SDK", ferry?.vsSdk, (v) => v >= 3, times),
      check("peak RSS < 150 MB", ferry?.peakRssBytes, (v) => v < 150e6, megabytes),
      // Not Ferry's target: whether the runtime itself reaches the limit's 0.8× here. When it does
      // not, no Node client can, and the LAN target above measures the machine, not Ferry.
      ...(profile.id === "lan"
        ? [check("Node's bare socket ≥ 0.8× the limit", bare?.vsLimit, (v) => v >= 0.8, times)]
        : []),
    ];
  },
};

export function size(bytes: number): string {
  return bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;
}
