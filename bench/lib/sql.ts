// The SQL row of `npm run bench:fs` (issue 19): an aggregate over the bench CSV (`lib/csv.ts`'s
// rows) by `query()` on onedrive:// — first with a cold read cache (the download is in the time),
// then warm (one metadata request, no content bytes) — against DuckDB on a local copy of the same
// bytes in its own process (the limit: DuckDB reading a local file), and against Ferry's own
// `streamCsv` loop computing the same groups. Each contender runs in a fresh worker: time, bytes
// the emulator sent, its requests, and peak RSS. All four must return the same groups.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OneDriveClient } from "@ferry/graph";
import { csvChunks, csvShape } from "./csv.ts";
import { type EmulatorProcess, ROOT } from "./emulatorProcess.ts";
import { runWorker } from "./worker.ts";

const WORKER = join(ROOT, "bench/workers/fsSql.ts");

export type SqlContender =
  | "query (cold cache)"
  | "query (warm cache)"
  | "DuckDB, local file"
  | "streamCsv loop";

export interface SqlRow {
  contender: SqlContender;
  fileBytes: number;
  rows: number;
  seconds: number;
  bytesOut: number;
  /** Requests the emulator counted: Graph metadata and listings, and content (download URL) requests. */
  metadataRequests: number;
  contentRequests: number;
  peakRssBytes: number;
}

export async function runSqlBench(options: {
  emu: EmulatorProcess;
  token: string;
  size: number;
  log?: (line: string) => void;
}): Promise<SqlRow[]> {
  const { emu, token } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const client = new OneDriveClient({ baseUrl: emu.graphUrl, token: async () => token });
  const { rows, bytes } = csvShape(options.size);
  const path = `bench/sql/rows-${bytes}.csv`;
  await client.upload(path, csvChunks(rows), { size: bytes });
  const work = await mkdtemp(join(tmpdir(), "ferry-bench-sql-"));
  try {
    const localFile = join(work, "local.csv");
    await client.downloadTo(path, localFile);
    const cacheDir = join(work, "cache");
    const out: SqlRow[] = [];
    let expected: string | undefined;
    const plan: [SqlContender, string][] = [
      ["query (cold cache)", "query"],
      ["query (warm cache)", "query"],
      ["DuckDB, local file", "duckdbLocal"],
      ["streamCsv loop", "streamCsv"],
    ];
    for (const [contender, scenario] of plan) {
      await emu.admin.resetCounters();
      const result = await runWorker(WORKER, {
        scenario,
        graphUrl: emu.graphUrl,
        token,
        ...(emu.ca ? { ca: emu.ca } : {}),
        path,
        cacheDir,
        localFile,
      });
      const counters = await emu.admin.counters();
      const count = (re: RegExp) =>
        counters.requests.filter((r) => re.test(r.route)).reduce((n, r) => n + r.count, 0);
      expected ??= String(result.result);
      if (result.result !== expected)
        throw new Error(`${contender} computed ${String(result.result)}, not ${expected}`);
      const row: SqlRow = {
        contender,
        fileBytes: bytes,
        rows,
        seconds: result.seconds,
        bytesOut: counters.bytesOut,
        metadataRequests: count(/^GET \/drive\//),
        contentRequests: count(/\/dl\//),
        peakRssBytes: result.peakRssBytes,
      };
      log(
        `SQL ${(bytes / 1e6).toFixed(0)} MB, ${contender}: ${row.seconds.toFixed(2)} s, ${(row.bytesOut / 1e6).toFixed(1)} MB moved, ` +
          `${row.metadataRequests} metadata + ${row.contentRequests} content requests, peak RSS ${(row.peakRssBytes / 1e6).toFixed(0)} MB`,
      );
      out.push(row);
    }
    return out;
  } finally {
    await client.delete(path).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

/** The SQL rows as Markdown table lines, in bench:fs's table's columns. */
export function sqlTableLines(rows: SqlRow[]): string[] {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const limit = rows.find((r) => r.contender === "DuckDB, local file");
  return rows.map((r) => {
    const vs = limit && r !== limit ? `${(limit.seconds / r.seconds).toFixed(2)}× DuckDB-local` : "the limit";
    return (
      `| SQL | LAN · ${mb(r.fileBytes)}, ${r.rows.toLocaleString("en")} rows | ${r.contender} | ${r.seconds.toFixed(2)} s | ` +
      `${mb(r.bytesOut)} (${r.metadataRequests} metadata + ${r.contentRequests} content req.) | ` +
      `${(r.fileBytes / r.seconds / 1e6).toFixed(0)} MB/s | ${mb(r.peakRssBytes)} | ${vs} |`
    );
  });
}
