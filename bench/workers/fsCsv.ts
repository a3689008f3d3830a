// One CSV round of `npm run bench:fs` (see lib/csv.ts): counts a CSV's rows with @ferry/fs's
// `streamCsv` over `onedrive://`, with type casting, as a user's job would read it. A fresh process
// per round, so its peak RSS is this read's alone.
import { Readable } from "node:stream";
import { OneDriveFileSystem, setDefaultOneDrive, streamCsv } from "@ferry/fs";
import { OneDriveClient } from "@ferry/graph";
import { parse } from "csv-parse";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";

interface Args extends WorkerArgs {
  path: string;
}

await serveScenarios<Args>("fsCsv", {
  async csv(a) {
    const client = new OneDriveClient({ baseUrl: a.graphUrl, token: async () => a.token });
    setDefaultOneDrive(new OneDriveFileSystem(client));
    const t = performance.now();
    let rows = 0;
    let sum = 0;
    for await (const row of streamCsv<{ value: number }>(`onedrive://${a.path}`, { cast: true })) {
      rows++;
      sum += row.value;
    }
    const seconds = (performance.now() - t) / 1000;
    // The sum proves the cast happened (a string would concatenate, not add).
    if (typeof sum !== "number" || Number.isNaN(sum)) throw new Error("value was not cast to a number");
    return { seconds, rows, sum };
  },
  // Today's reader before issue 18: csv-parse with cast over the same download.
  async "csv-parse"(a) {
    const client = new OneDriveClient({ baseUrl: a.graphUrl, token: async () => a.token });
    const t = performance.now();
    let rows = 0;
    let sum = 0;
    const stream = Readable.fromWeb((await client.downloadStream(a.path)) as never);
    for await (const row of stream.pipe(
      parse({ columns: true, bom: true, skip_empty_lines: true, cast: true }),
    )) {
      rows++;
      sum += (row as { value: number }).value;
    }
    return { seconds: (performance.now() - t) / 1000, rows, sum };
  },
  // The download alone: the same bytes, not parsed.
  async raw(a) {
    const client = new OneDriveClient({ baseUrl: a.graphUrl, token: async () => a.token });
    const t = performance.now();
    let bytes = 0;
    const reader = (await client.downloadStream(a.path)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
    return { seconds: (performance.now() - t) / 1000, bytes };
  },
});
