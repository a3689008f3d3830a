/**
 * `npm run bench:emulator`: how fast the emulator moves file bodies on loopback, so we know it is
 * never what limits a client benchmark. Starts `ferry-emulator` as a child process, uploads a
 * 1 GiB file through an upload session (10 MiB fragments, Graph's recommendation for fast links)
 * and downloads it through its pre-authenticated downloadUrl, both with bare `fetch`. Reports the
 * median of 3 rounds after a warm-up, each way, and the emulator's peak resident memory.
 *
 * Options: --account personal|work (personal, the default, also computes SHA-1 and SHA-256),
 * --size-mib N (1024), --rounds N (3).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ListeningProcess, spawnListening } from "./lib/listeningProcess.ts";
import { peakRss } from "./lib/peakRss.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "packages/emulator/bin/ferry-emulator.mjs");
const RESULTS = join(ROOT, "bench/results/emulator.json");
const MiB = 1024 * 1024;
const FRAGMENT = 10 * MiB;
const TARGET_MB_S = 500;

const { values } = parseArgs({
  options: {
    account: { type: "string", default: "personal" },
    "size-mib": { type: "string", default: "1024" },
    rounds: { type: "string", default: "3" },
  },
});
const account = values.account ?? "personal";
const size = Number(values["size-mib"]) * MiB;
const rounds = Number(values.rounds);

/** Starts the emulator as its own process (as a client benchmark would) and waits for it to listen. */
function startEmulator(): Promise<ListeningProcess> {
  return spawnListening({
    name: "ferry-emulator",
    args: ["--conditions=@ferry/source", "--import", "tsx", BIN, "--port", "0"],
    listening: /ferry-emulator listening on (http:\/\/\S+)/,
    stderr: "inherit",
  });
}

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Seconds to upload `size` bytes through a session; returns the committed item's downloadUrl too. */
async function upload(url: string, token: string, block: Buffer<ArrayBuffer>): Promise<[number, string]> {
  const started = performance.now();
  const session = await json<{ uploadUrl: string }>(
    await fetch(`${url}/v1.0/me/drive/root:/bench/emulator.bin:/createUploadSession`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ item: { "@microsoft.graph.conflictBehavior": "replace" } }),
    }),
  );
  let item: { "@microsoft.graph.downloadUrl": string } | undefined;
  for (let start = 0, index = 0; start < size; start += FRAGMENT, index++) {
    const length = Math.min(FRAGMENT, size - start);
    // A different file every fragment, without holding more than one fragment in memory.
    block.writeUInt32LE(index, 0);
    const res = await fetch(session.uploadUrl, {
      method: "PUT",
      headers: { "content-range": `bytes ${start}-${start + length - 1}/${size}` },
      body: block.subarray(0, length),
    });
    if (start + length < size) {
      if (res.status !== 202) throw new Error(`fragment at ${start}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    } else {
      item = await json(res);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return [seconds, item?.["@microsoft.graph.downloadUrl"] ?? ""];
}

/** Seconds to stream the whole file from its downloadUrl (no Authorization, as Graph requires). */
async function download(downloadUrl: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(downloadUrl);
  if (res.status !== 200 || !res.body) throw new Error(`download: ${res.status}`);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  if (bytes !== size) throw new Error(`download returned ${bytes} bytes, expected ${size}`);
  return (performance.now() - started) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mbPerSecond = (seconds: number) => size / 1e6 / seconds;

async function main(): Promise<void> {
  // Other work on the machine shows up directly in these numbers; the load average says how much.
  const loadBefore = loadavg()[0] ?? 0;
  const emulator = await startEmulator();
  const pid = emulator.child.pid ?? 0;
  try {
    const { accessToken } = await json<{ accessToken: string }>(
      await fetch(`${emulator.url}/_emulator/tokens`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ account }),
      }),
    );
    const idleRss = peakRss(pid);
    const block = Buffer.from(randomBytes(FRAGMENT));
    const up: number[] = [];
    const down: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      const [uploadSeconds, downloadUrl] = await upload(emulator.url, accessToken, block);
      const downloadSeconds = await download(downloadUrl);
      const label = round === 0 ? "warm-up" : `round ${round}`;
      console.error(
        `${label}: upload ${mbPerSecond(uploadSeconds).toFixed(0)} MB/s, download ${mbPerSecond(downloadSeconds).toFixed(0)} MB/s`,
      );
      if (round > 0) {
        up.push(mbPerSecond(uploadSeconds));
        down.push(mbPerSecond(downloadSeconds));
      }
    }
    const peakRssNow = peakRss(pid);
    const results = {
      benchmark: "emulator",
      date: new Date().toISOString(),
      node: process.version,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "",
        memoryBytes: totalmem(),
        loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 },
      },
      account,
      fileBytes: size,
      fragmentBytes: FRAGMENT,
      rounds,
      unit: "MB/s (10^6 bytes per second)",
      upload: { medianMBps: Math.round(median(up)), roundsMBps: up.map(Math.round) },
      download: { medianMBps: Math.round(median(down)), roundsMBps: down.map(Math.round) },
      emulatorRss: { idleBytes: idleRss, peakBytes: peakRssNow },
      targetMBps: TARGET_MB_S,
      meetsTarget: median(up) >= TARGET_MB_S && median(down) >= TARGET_MB_S,
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    const rows: [string, string][] = [
      ["file", `${(size / MiB).toFixed(0)} MiB, ${FRAGMENT / MiB} MiB fragments, ${account} drive`],
      [
        "session upload (median)",
        `${results.upload.medianMBps} MB/s  [${up.map((x) => x.toFixed(0)).join(", ")}]`,
      ],
      [
        "download (median)",
        `${results.download.medianMBps} MB/s  [${down.map((x) => x.toFixed(0)).join(", ")}]`,
      ],
      ["emulator peak RSS", `${(peakRssNow / 1e6).toFixed(0)} MB (idle ${(idleRss / 1e6).toFixed(0)} MB)`],
      [
        "machine load (1 min)",
        `${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after, ${cpus().length} CPUs`,
      ],
      ["target", `${TARGET_MB_S} MB/s each way: ${results.meetsTarget ? "met" : "NOT met"}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    console.log(`written to ${RESULTS}`);
  } finally {
    // SIGTERM lets the emulator close and remove its temporary data directory.
    await emulator.stop("SIGTERM");
  }
}

await main();
