// One scenario of `npm run bench:graph`, in its own process (see lib/worker.ts).
import { OneDriveClient } from "@ferry/graph";
import { drain, generatedChunks } from "./lib/content.ts";
import { report, type WorkerArgs, workerArgs } from "./lib/report.ts";

const args = await workerArgs<
  WorkerArgs & { scenario: "upload" | "download" | "single" | "list"; path: string; size?: number }
>();
const client = new OneDriveClient({ baseUrl: args.graphUrl, token: async () => args.token });

const started = performance.now();
const seconds = () => (performance.now() - started) / 1000;
switch (args.scenario) {
  case "upload": {
    const size = args.size ?? 0;
    const item = await client.upload(args.path, generatedChunks(size), { size });
    report({ seconds: seconds(), bytes: item.size ?? 0 });
    break;
  }
  case "download": {
    const bytes = await drain(await client.downloadStream(args.path));
    report({ seconds: seconds(), bytes });
    break;
  }
  case "single": {
    // The physical baseline: one connection, bare fetch, no hashing, the same pre-authenticated URL.
    const item = (await client.stat(args.path)) as Record<string, unknown>;
    const t = performance.now();
    const response = await fetch(String(item["@microsoft.graph.downloadUrl"]));
    const bytes = await drain(response.body as ReadableStream<Uint8Array>);
    report({ seconds: (performance.now() - t) / 1000, bytes });
    break;
  }
  case "list": {
    let n = 0;
    for await (const _ of client.iterate(args.path)) n++;
    report({ seconds: seconds(), items: n });
    break;
  }
}
