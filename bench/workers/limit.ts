// The limit contender: the same bytes moved by curl (a C client that does nothing else) against the
// emulator's pre-authenticated URLs, or by bare Node fetch where curl is absent. What it gets for
// free, and the others pay for, is said in bench/RESULTS.md:
// - list: there is no pre-authenticated listing, so a bare fetch loop over pages of $top=1000
//   (one curl process per page would only measure process start-up);
// - download: the item's downloadUrl, fetched before the clock starts, over one connection;
// - upload: an upload session created before the clock starts; the file in as few fragments as
//   Graph allows (60 MiB), one after another over one stream each, piped from the file;
// - small files: simple PUTs with the bearer token (there is no pre-authenticated way to create a
//   small file), then the downloadUrls those PUTs answered with, `--parallel` as wide as Ferry's
//   pool;
// - Parquet: the whole file from its downloadUrl, then the same hyparquet parse as the SDK's.
import { createReadStream, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { collect, drain } from "../lib/content.ts";
import { hasCurl, quote, runCurl } from "../lib/curl.ts";
import { mapLimit } from "../lib/pool.ts";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";

interface Args extends WorkerArgs {
  path: string;
  downloadUrl: string;
  uploadUrl: string;
  file: string;
  size: number;
  fragment: number;
  folder: string;
  count: number;
  concurrency: number;
  column: string;
}

const since = (t: number) => (performance.now() - t) / 1000;
const curl = hasCurl();

await serveScenarios<Args>("limit", {
  async list(a) {
    const t = performance.now();
    let items = 0;
    let url: string | undefined = `${a.graphUrl}/me/drive/root:/${a.path}:/children?$top=1000`;
    while (url) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${a.token}` } });
      const page = (await response.json()) as { value: unknown[]; "@odata.nextLink"?: string };
      items += page.value.length;
      url = page["@odata.nextLink"];
    }
    return { seconds: since(t), items };
  },
  async download(a) {
    const t = performance.now();
    if (!curl)
      return { seconds: since(t), bytes: await drain((await fetch(a.downloadUrl)).body as ReadableStream) };
    const run = await runCurl(
      "download",
      config(a, [`url = ${quote(a.downloadUrl)}`, 'output = "/dev/null"']),
    );
    const [status] = transfers(run.stdout);
    if (status?.code !== 200) throw new Error(`limit download answered ${status?.code}`);
    return { seconds: since(t), bytes: status.down, peakRssBytes: run.peakRssBytes };
  },
  async upload(a) {
    const t = performance.now();
    let peak = 0;
    let done = false;
    for (let start = 0; start < a.size; start += a.fragment) {
      const end = Math.min(a.size, start + a.fragment); // exclusive
      const headers = {
        "Content-Range": `bytes ${start}-${end - 1}/${a.size}`,
        "Content-Length": String(end - start),
      };
      const body = createReadStream(a.file, { start, end: end - 1 });
      let status: number;
      if (curl) {
        const run = await runCurl(
          "upload fragment",
          config(a, [
            `url = ${quote(a.uploadUrl)}`,
            'upload-file = "-"',
            'output = "/dev/null"',
            // A known length, not chunked encoding: Graph wants Content-Length on every fragment.
            'header = "Transfer-Encoding:"',
            ...Object.entries(headers).map(([k, v]) => `header = ${quote(`${k}: ${v}`)}`),
          ]),
          body,
        );
        peak = Math.max(peak, run.peakRssBytes);
        status = transfers(run.stdout)[0]?.code ?? 0;
      } else {
        const response = await fetch(a.uploadUrl, {
          method: "PUT",
          headers,
          body: Readable.toWeb(body) as ReadableStream,
          duplex: "half",
        } as RequestInit);
        await response.arrayBuffer();
        status = response.status;
      }
      if (status >= 300) throw new Error(`limit upload: a fragment answered ${status}`);
      done = status === 200 || status === 201;
    }
    if (!done) throw new Error("limit upload: the session did not complete");
    return { seconds: since(t), bytes: a.size, ...(curl ? { peakRssBytes: peak } : {}) };
  },
  async small(a) {
    const names = Array.from({ length: a.count }, (_, i) => `${a.folder}/file-${i}.bin`);
    const putUrl = (name: string) => `${a.graphUrl}/me/drive/root:/${name}:/content`;
    const t = performance.now();
    if (!curl) {
      const body = readFileSync(a.file);
      const urls = await mapLimit(names, a.concurrency, async (name) => {
        const r = await fetch(putUrl(name), {
          method: "PUT",
          headers: { authorization: `Bearer ${a.token}` },
          body,
        });
        return ((await r.json()) as Record<string, string>)["@microsoft.graph.downloadUrl"] as string;
      });
      const upSeconds = since(t);
      const sizes = await mapLimit(urls, a.concurrency, async (url) =>
        drain((await fetch(url)).body as ReadableStream),
      );
      return {
        seconds: since(t),
        upSeconds,
        bytes: body.length * a.count + sizes.reduce((n, s) => n + s, 0),
      };
    }
    const dir = await mkdtemp(join(tmpdir(), "ferry-bench-limit-"));
    try {
      const parallel = ["parallel", "parallel-immediate", `parallel-max = ${a.concurrency}`];
      const up = await runCurl(
        "small uploads",
        config(a, [
          ...parallel,
          `header = ${quote(`Authorization: Bearer ${a.token}`)}`,
          'header = "Content-Type: application/octet-stream"',
          ...names.flatMap((name, i) => [
            `url = ${quote(putUrl(name))}`,
            `upload-file = ${quote(a.file)}`,
            `output = ${quote(join(dir, `${i}.json`))}`,
          ]),
        ]),
      );
      const urls = await Promise.all(
        names.map(async (_, i) => {
          const item = JSON.parse(await readFile(join(dir, `${i}.json`), "utf8")) as Record<string, string>;
          return item["@microsoft.graph.downloadUrl"] as string;
        }),
      );
      const upSeconds = since(t);
      const down = await runCurl(
        "small downloads",
        config(a, [...parallel, ...urls.flatMap((url) => [`url = ${quote(url)}`, 'output = "/dev/null"'])]),
      );
      const ups = transfers(up.stdout);
      const downs = transfers(down.stdout);
      if ([...ups, ...downs].some((x) => x.code >= 300) || ups.length + downs.length !== 2 * a.count)
        throw new Error("limit small files: a transfer failed");
      const bytes = ups.reduce((n, x) => n + x.up, 0) + downs.reduce((n, x) => n + x.down, 0);
      return {
        seconds: since(t),
        upSeconds,
        bytes,
        peakRssBytes: Math.max(up.peakRssBytes, down.peakRssBytes),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  async parquet(a) {
    const t = performance.now();
    const bytes = curl
      ? (await runCurl("parquet download", config(a, [`url = ${quote(a.downloadUrl)}`], false))).stdout
      : await collect(Readable.fromWeb((await fetch(a.downloadUrl)).body as never), a.size);
    // Loaded here, not up front: the Parquet reader's modules would weigh on every scenario's RSS.
    const { parseColumn } = await import("../lib/parquet.ts");
    const rows = await parseColumn(bytes, a.column);
    return { seconds: since(t), rows };
  },
});

/**
 * A curl config: quiet, trusting the emulator's certificate, and (unless the body goes to stdout)
 * printing `status downloaded uploaded` per transfer.
 */
function config(a: Args, lines: string[], writeOut = true): string {
  return [
    "silent",
    "show-error",
    ...(a.caFile ? [`cacert = ${quote(a.caFile)}`] : []),
    ...(writeOut ? ['write-out = "%{http_code} %{size_download} %{size_upload}\\n"'] : []),
    ...lines,
    "",
  ].join("\n");
}

/** The `write-out` lines of a curl run. */
function transfers(stdout: Buffer): { code: number; down: number; up: number }[] {
  return stdout
    .toString()
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [code, down, up] = line.split(" ").map(Number);
      return { code: code ?? 0, down: down ?? 0, up: up ?? 0 };
    });
}
