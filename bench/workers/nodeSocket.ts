// The runtime's own ceiling for a download, beside the limit: Node's TLS socket and its native
// HTTP parser (`node:https`) reading the pre-authenticated URL the limit gets, and dropping the
// bytes. No verification, no buffering, no retry: no Node client can move the bytes faster than
// this in one thread on the same machine. It is what tells a gap that Ferry's code leaves from a
// gap between a JavaScript runtime and curl's C loop (issue 18).
import https from "node:https";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";

interface Args extends WorkerArgs {
  downloadUrl: string;
}

const since = (t: number) => (performance.now() - t) / 1000;

await serveScenarios<Args>("node socket", {
  async download(a) {
    const t = performance.now();
    const bytes = await new Promise<number>((resolve, reject) => {
      const request = https.get(a.downloadUrl, a.ca ? { ca: a.ca } : {}, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`node socket download answered ${response.statusCode}`));
          return;
        }
        let n = 0;
        response.on("data", (chunk: Buffer) => {
          n += chunk.length;
        });
        response.on("end", () => resolve(n));
        response.on("error", reject);
      });
      request.on("error", reject);
    });
    return { seconds: since(t), bytes };
  },
});
