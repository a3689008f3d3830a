/**
 * `npm run bench:graph`: the client core against the emulator on a WAN-like link — 20 ms latency
 * per request and 50 MB/s per connection — as issue 3 asks. Each scenario runs in its own process
 * so its peak RSS is its own. Reports the median of the rounds after a warm-up.
 *
 * Targets: parallel download ≥ 3× one stream; upload ≥ 0.8× the per-connection cap; peak RSS
 * under 150 MB; listing 20,000 items in ≤ ceil(20000 / 1000) + 1 requests.
 *
 * Options: --size-mib N (1024), --rounds N (3), --quick (256 MiB, 1 round).
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, startEmulatorProcess } from "./lib/emulatorProcess.ts";
import { median } from "./lib/stats.ts";
import { runWorker, type WorkerResult } from "./lib/worker.ts";

const { values } = parseArgs({
  options: { "size-mib": { type: "string" }, rounds: { type: "string" }, quick: { type: "boolean" } },
});
const quick = values.quick === true;
const MiB = 1024 * 1024;
const size = Number(values["size-mib"] ?? (quick ? 256 : 1024)) * MiB;
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
const LATENCY_MS = 20;
const CAP = 50_000_000;
const ITEMS = 20_000;
const worker = join(ROOT, "bench/graphWorker.ts");

const emu = await startEmulatorProcess(["--latency-ms", String(LATENCY_MS), "--bandwidth", String(CAP)]);
try {
  const { accessToken: token } = await emu.admin.token("personal");
  const base = { graphUrl: emu.graphUrl, token };
  const mbps = (r: WorkerResult) => (r.bytes ?? 0) / r.seconds / 1e6;

  async function measure(label: string, args: Record<string, unknown>) {
    const results: WorkerResult[] = [];
    for (let i = 0; i < rounds; i++) results.push(await runWorker(worker, { ...base, ...args }));
    const row = {
      label,
      seconds: median(results.map((r) => r.seconds)),
      mbps: median(results.map(mbps)),
      peakRssMB: Math.max(...results.map((r) => r.peakRssBytes)) / 1e6,
    };
    console.error(
      `${label}: ${row.mbps.toFixed(1)} MB/s, ${row.seconds.toFixed(2)} s, peak RSS ${row.peakRssMB.toFixed(0)} MB`,
    );
    return row;
  }

  // Warm-up: a small file each way so connection set-up and JIT don't land in the first round.
  await runWorker(worker, { ...base, scenario: "upload", path: "bench/warm.bin", size: 8 * MiB });
  await runWorker(worker, { ...base, scenario: "download", path: "bench/warm.bin" });

  const upload = await measure("upload (Ferry, session)", {
    scenario: "upload",
    path: "bench/big.bin",
    size,
  });
  const download = await measure("download (Ferry, parallel ranges)", {
    scenario: "download",
    path: "bench/big.bin",
  });
  const single = await measure("download (one stream, bare fetch)", {
    scenario: "single",
    path: "bench/big.bin",
  });

  await emu.admin.seed({
    account: "personal",
    files: Array.from({ length: ITEMS }, (_, i) => ({ path: `bench/list/${i}.txt`, content: "" })),
  });
  await emu.admin.resetCounters();
  const listResult = await runWorker(worker, { ...base, scenario: "list", path: "bench/list" });
  const counters = await emu.admin.counters();
  const listRequests = counters.requests
    .filter((r) => r.route.includes("children"))
    .reduce((n, r) => n + r.count, 0);

  const targets = {
    downloadVsSingle: {
      value: download.mbps / single.mbps,
      target: 3,
      met: download.mbps / single.mbps >= 3,
    },
    uploadVsCap: { value: (upload.mbps * 1e6) / CAP, target: 0.8, met: (upload.mbps * 1e6) / CAP >= 0.8 },
    peakRssMB: {
      value: Math.max(upload.peakRssMB, download.peakRssMB),
      target: 150,
      met: Math.max(upload.peakRssMB, download.peakRssMB) < 150,
    },
    listRequests: {
      value: listRequests,
      target: Math.ceil(ITEMS / 1000) + 1,
      met: listRequests <= Math.ceil(ITEMS / 1000) + 1,
    },
  };
  const result = {
    benchmark: "graph",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version },
    profile: { latencyMs: LATENCY_MS, bandwidthBytesPerSecond: CAP },
    fileBytes: size,
    rounds,
    upload,
    download,
    singleStream: single,
    list: {
      items: listResult.items,
      seconds: listResult.seconds,
      requests: listRequests,
      peakRssMB: listResult.peakRssBytes / 1e6,
    },
    targets,
  };
  console.table({
    "upload MB/s": upload.mbps.toFixed(1),
    "download MB/s": download.mbps.toFixed(1),
    "one stream MB/s": single.mbps.toFixed(1),
    "download ÷ one stream": `${targets.downloadVsSingle.value.toFixed(2)}× (target ≥ 3×)`,
    "upload ÷ cap": `${targets.uploadVsCap.value.toFixed(2)}× (target ≥ 0.8×)`,
    "peak RSS MB": `${targets.peakRssMB.value.toFixed(0)} (target < 150)`,
    [`list ${ITEMS} items`]: `${listResult.seconds.toFixed(2)} s in ${listRequests} requests (target ≤ ${targets.listRequests.target})`,
  });
  writeFileSync(join(ROOT, "bench/results/graph.json"), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await emu.stop();
}
