// One CSV round of `npm run bench:fs` (see lib/csv.ts): counts a CSV's rows with @ferry/fs's
// `streamCsv` over `onedrive://`, with type casting, as a user's job would read it. A fresh process
// per round, so its peak RSS is this read's alone.
import { OneDriveFileSystem, setDefaultOneDrive, streamCsv } from "@ferry/fs";
import { OneDriveClient } from "@ferry/graph";
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
});
