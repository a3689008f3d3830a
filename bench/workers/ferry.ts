// The Ferry contender: @ferry/graph's OneDriveClient and @ferry/fs, at their defaults.
import { readFileSync } from "node:fs";
import { OneDriveClient } from "@ferry/graph";
import { drain } from "../lib/content.ts";
import { mapLimit } from "../lib/pool.ts";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";

interface Args extends WorkerArgs {
  path: string;
  file: string;
  folder: string;
  count: number;
  concurrency: number;
  column: string;
  /** Parquet: `rows` (default, `readParquet`), `arrow`, `stream` (`streamParquet`) or `batches`. */
  mode?: string;
}

const since = (t: number) => (performance.now() - t) / 1000;

await serveScenarios<Args>("ferry", {
  async list(a) {
    const client = clientFor(a);
    const t = performance.now();
    let items = 0;
    for await (const _ of client.iterate(a.path)) items++;
    return { seconds: since(t), items };
  },
  async download(a) {
    const client = clientFor(a);
    const t = performance.now();
    const bytes = await drain(await client.downloadStream(a.path));
    return { seconds: since(t), bytes };
  },
  async upload(a) {
    const client = clientFor(a);
    const t = performance.now();
    const item = await client.upload(a.path, a.file);
    return { seconds: since(t), bytes: item.size ?? 0 };
  },
  async small(a) {
    // One client for every transfer, so its pacer sees them all; a bounded pool on top.
    const client = clientFor(a);
    const body = new Uint8Array(readFileSync(a.file));
    const names = Array.from({ length: a.count }, (_, i) => `${a.folder}/file-${i}.bin`);
    const t = performance.now();
    await mapLimit(names, a.concurrency, (name) => client.upload(name, body));
    const upSeconds = since(t);
    const sizes = await mapLimit(names, a.concurrency, async (name) => (await client.download(name)).length);
    return { seconds: since(t), upSeconds, bytes: body.length * a.count + sizes.reduce((n, s) => n + s, 0) };
  },
  parquet: parquetColumn,
  "parquet-arrow": (a) => parquetColumn({ ...a, mode: "arrow" }),
  "parquet-stream": (a) => parquetColumn({ ...a, mode: "stream" }),
  "parquet-batches": (a) => parquetColumn({ ...a, mode: "batches" }),
});

/** One column of the Parquet scenario's file, read the way `mode` says. */
async function parquetColumn(a: Args) {
  // Loaded here, not up front, as a job that only transfers files would not load @ferry/fs.
  const fs = await import("@ferry/fs");
  fs.setDefaultOneDrive(new fs.OneDriveFileSystem(clientFor(a)));
  const url = `onedrive://${a.path}`;
  const columns = [a.column];
  const t = performance.now();
  let rows = 0;
  // What the job keeps is what a job would keep: the rows, the table; the streams hold none.
  if (a.mode === "arrow") rows = (await fs.readParquet(url, { columns, as: "arrow" })).numRows;
  else if (a.mode === "stream") for await (const _ of fs.streamParquet(url, { columns })) rows++;
  else if (a.mode === "batches")
    for await (const batch of fs.streamParquetBatches(url, { columns })) rows += batch.numRows;
  else rows = (await fs.readParquet(url, { columns })).length;
  return { seconds: since(t), rows };
}

function clientFor(a: Args): OneDriveClient {
  return new OneDriveClient({ baseUrl: a.graphUrl, token: async () => a.token });
}
