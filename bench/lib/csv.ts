// The CSV half of `npm run bench:fs`: CSV files generated on the emulator as a stream of
// fixed-width rows (never a whole file in memory), then counted by `streamCsv` in a fresh worker
// per size, so each size's peak RSS is its own. `bench/fs.ts` runs it at full size; the bench test
// at a tiny one.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { OneDriveClient } from "@ferry/graph";
import { type EmulatorProcess, ROOT } from "./emulatorProcess.ts";
import { median } from "./stats.ts";
import { runWorker, type WorkerResult } from "./worker.ts";

const WORKER = join(ROOT, "bench/workers/fsCsv.ts");
const DUCKDB_WORKER = join(ROOT, "bench/workers/duckdbCsv.mjs");

/** The peers `streamCsv` is measured against, in the same run, on the same bytes. */
export const CSV_PEERS = ["csv-parse", "raw", "duckdb-local"] as const;
export type CsvPeer = (typeof CSV_PEERS)[number];

export interface CsvFigures {
  seconds: number;
  rowsPerSecond: number;
  mbps: number;
  peakRssBytes: number;
}
const encoder = new TextEncoder();

export const CSV_HEADER = "id,value,label,category,day\n";
/** Every generated row has this many bytes, newline included, so a file's size is known up front. */
export const CSV_ROW_BYTES = csvRow(0).length;

/** Row `i`: an integer, a decimal, two strings and a date, each padded to a fixed width. */
export function csvRow(i: number): string {
  const id = String(i).padStart(10, "0");
  const value = (((i * 7919) % 1_000_000) / 1000).toFixed(3).padStart(7, "0");
  const label = `item-${String(i % 100_000).padStart(5, "0")}`;
  const category = `cat-${i % 10}`;
  const day = `2026-01-${String((i % 28) + 1).padStart(2, "0")}`;
  return `${id},${value},${label},${category},${day}\n`;
}

/** The row count and exact byte size of the generated CSV closest to (not over) `target` bytes. */
export function csvShape(target: number): { rows: number; bytes: number } {
  const rows = Math.max(1, Math.floor((target - CSV_HEADER.length) / CSV_ROW_BYTES));
  return { rows, bytes: CSV_HEADER.length + rows * CSV_ROW_BYTES };
}

/** The generated CSV of `rows` rows, in chunks of about 1 MiB. */
export async function* csvChunks(rows: number): AsyncGenerator<Uint8Array> {
  const perChunk = Math.max(1, Math.floor((1024 * 1024) / CSV_ROW_BYTES));
  yield encoder.encode(CSV_HEADER);
  for (let i = 0; i < rows; i += perChunk) {
    let text = "";
    for (let j = i; j < Math.min(rows, i + perChunk); j++) text += csvRow(j);
    yield encoder.encode(text);
  }
}

export interface CsvRow {
  /** The size asked for (bytes) and the file actually generated. */
  targetBytes: number;
  fileBytes: number;
  rows: number;
  /** Median over the rounds. */
  seconds: number;
  rowsPerSecond: number;
  mbps: number;
  /** The highest peak RSS of the counting worker over the rounds. */
  peakRssBytes: number;
  /** Bytes the emulator sent during a round (median): the file once, if nothing is read twice. */
  bytesOut: number;
  uploadSeconds: number;
  runs: WorkerResult[];
  /**
   * The peers on the same file: csv-parse over the same download (Ferry's reader before issue 18),
   * the download alone, and DuckDB's read_csv over the same bytes on local disk (the limit).
   */
  peers: Partial<Record<CsvPeer, CsvFigures>>;
  /** streamCsv's speed over each peer's (above 1 is faster). */
  vsCsvParse: number | undefined;
  vsDuckdbLocal: number | undefined;
  vsRaw: number | undefined;
}

export interface CsvBenchOptions {
  emu: EmulatorProcess;
  /** Graph access token of the emulator's account. */
  token: string;
  /** Target file sizes in bytes. */
  sizes: number[];
  rounds: number;
  log?: (line: string) => void;
  /** Measure the peers too (default true). */
  peers?: boolean;
}

/**
 * For each size: uploads the generated CSV through the client's upload session (a stream of a
 * declared size), counts its rows with `streamCsv` in `rounds` fresh workers, then deletes it.
 */
export async function runCsvBench(options: CsvBenchOptions): Promise<CsvRow[]> {
  const { emu, token, rounds } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const client = new OneDriveClient({ baseUrl: emu.graphUrl, token: async () => token });
  const out: CsvRow[] = [];
  for (const target of options.sizes) {
    const { rows, bytes } = csvShape(target);
    const path = `bench/fs/rows-${bytes}.csv`;
    const t = performance.now();
    const item = await client.upload(path, csvChunks(rows), { size: bytes });
    const uploadSeconds = (performance.now() - t) / 1000;
    if (item.size !== bytes) throw new Error(`uploaded ${item.size} bytes of ${bytes}`);
    const runs: WorkerResult[] = [];
    const bytesOut: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await emu.admin.resetCounters();
      const result = await runWorker(WORKER, {
        scenario: "csv",
        graphUrl: emu.graphUrl,
        token,
        ...(emu.ca ? { ca: emu.ca } : {}),
        path,
      });
      bytesOut.push((await emu.admin.counters()).bytesOut);
      if (result.rows !== rows) throw new Error(`streamCsv counted ${String(result.rows)} rows of ${rows}`);
      runs.push(result);
    }
    const peers: Partial<Record<CsvPeer, CsvFigures>> = {};
    if (options.peers !== false) {
      const dir = await mkdtemp(join(tmpdir(), "ferry-bench-csv-"));
      try {
        const file = join(dir, "rows.csv");
        await pipeline(Readable.from(csvChunks(rows)), createWriteStream(file));
        for (const peer of CSV_PEERS) {
          const peerRuns: WorkerResult[] = [];
          for (let i = 0; i < rounds; i++) {
            const args = {
              scenario: peer,
              graphUrl: emu.graphUrl,
              token,
              ...(emu.ca ? { ca: emu.ca } : {}),
              path,
              file,
            };
            const r = await runWorker(peer === "duckdb-local" ? DUCKDB_WORKER : WORKER, args);
            if (peer !== "raw" && r.rows !== rows)
              throw new Error(`${peer} counted ${String(r.rows)} rows of ${rows}`);
            peerRuns.push(r);
          }
          const s = median(peerRuns.map((r) => r.seconds));
          peers[peer] = {
            seconds: s,
            rowsPerSecond: rows / s,
            mbps: bytes / s / 1e6,
            peakRssBytes: Math.max(...peerRuns.map((r) => r.peakRssBytes)),
          };
          log(`CSV ${(bytes / 1e6).toFixed(0)} MB · ${peer}: ${s.toFixed(2)} s`);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    await client.delete(path);
    const seconds = median(runs.map((r) => r.seconds));
    const row: CsvRow = {
      targetBytes: target,
      fileBytes: bytes,
      rows,
      seconds,
      rowsPerSecond: median(runs.map((r) => rows / r.seconds)),
      mbps: median(runs.map((r) => bytes / r.seconds / 1e6)),
      peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
      bytesOut: median(bytesOut),
      uploadSeconds,
      runs,
      peers,
      vsCsvParse: peers["csv-parse"] && peers["csv-parse"].seconds / seconds,
      vsDuckdbLocal: peers["duckdb-local"] && peers["duckdb-local"].seconds / seconds,
      vsRaw: peers.raw && peers.raw.seconds / seconds,
    };
    log(
      `CSV ${(bytes / 1e6).toFixed(0)} MB (${rows.toLocaleString("en")} rows): ${seconds.toFixed(2)} s, ` +
        `${Math.round(row.rowsPerSecond).toLocaleString("en")} rows/s, ${row.mbps.toFixed(1)} MB/s, ` +
        `peak RSS ${(row.peakRssBytes / 1e6).toFixed(0)} MB (uploaded in ${uploadSeconds.toFixed(1)} s)`,
    );
    out.push(row);
  }
  return out;
}
