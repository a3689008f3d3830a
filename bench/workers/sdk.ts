// The Microsoft Graph SDK contender (@microsoft/microsoft-graph-client), with its default
// middleware chain (see lib/sdkClient.ts) and its documented best settings: PageIterator over
// pages of $top=1000, LargeFileUploadTask with a 10 MiB rangeSize (Graph's 5–10 MiB
// recommendation, the top of it) fed by FileUpload over a file-backed Blob (`fs.openAsBlob`), so
// it slices the file on disk rather than holding it all — its StreamUpload hung on 1 GiB here (see
// RESULTS.md) — and `/content` downloads through `.getStream()`.
import { openAsBlob, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import {
  type Client,
  FileUpload,
  LargeFileUploadTask,
  PageIterator,
} from "@microsoft/microsoft-graph-client";
import { collect, drain } from "../lib/content.ts";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";
import { sdkClient } from "../lib/sdkClient.ts";

interface Args extends WorkerArgs {
  path: string;
  file: string;
  size: number;
  folder: string;
  count: number;
  column: string;
}

/** 32 × 320 KiB = 10 MiB: fragments must be multiples of 320 KiB; the SDK's own default is 5 MiB. */
export const SDK_RANGE_SIZE = 32 * 320 * 1024;

const since = (t: number) => (performance.now() - t) / 1000;
const content = (path: string) => `/me/drive/root:/${path}:/content`;

await serveScenarios<Args>("sdk", {
  async list(a) {
    const client = clientFor(a);
    const t = performance.now();
    let items = 0;
    const first = await client.api(`/me/drive/root:/${a.path}:/children`).top(1000).get();
    await new PageIterator(client, first, () => {
      items++;
      return true;
    }).iterate();
    return { seconds: since(t), items };
  },
  async download(a) {
    const client = clientFor(a);
    const t = performance.now();
    const bytes = await drain((await client.api(content(a.path)).getStream()) as Readable);
    return { seconds: since(t), bytes };
  },
  async upload(a) {
    const client = clientFor(a);
    const t = performance.now();
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `${a.graphUrl}/me/drive/root:/${a.path}:/createUploadSession`,
      { item: { "@microsoft.graph.conflictBehavior": "replace" } },
    );
    const task = new LargeFileUploadTask(
      client,
      new FileUpload(await openAsBlob(a.file), basename(a.path), a.size),
      session,
      { rangeSize: SDK_RANGE_SIZE },
    );
    const result = await task.upload();
    return { seconds: since(t), bytes: (result.responseBody as { size?: number }).size ?? 0 };
  },
  async small(a) {
    // What the SDK offers for many files: a loop, one request after another.
    const client = clientFor(a);
    const body = readFileSync(a.file);
    const names = Array.from({ length: a.count }, (_, i) => `${a.folder}/file-${i}.bin`);
    const t = performance.now();
    for (const name of names)
      await client.api(content(name)).header("Content-Type", "application/octet-stream").put(body);
    const upSeconds = since(t);
    let down = 0;
    for (const name of names) down += await drain((await client.api(content(name)).getStream()) as Readable);
    return { seconds: since(t), upSeconds, bytes: body.length * a.count + down };
  },
  async parquet(a) {
    const client = clientFor(a);
    const t = performance.now();
    const bytes = await collect((await client.api(content(a.path)).getStream()) as Readable, a.size);
    // Loaded here, not up front: the Parquet reader's modules would weigh on every scenario's RSS.
    const { parseColumn } = await import("../lib/parquet.ts");
    const rows = await parseColumn(bytes, a.column);
    return { seconds: since(t), rows };
  },
});

function clientFor(a: Args): Client {
  return sdkClient(a.graphUrl, async () => a.token);
}
