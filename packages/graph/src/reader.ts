// Downloads. Bytes come from the item's pre-authenticated `@microsoft.graph.downloadUrl`, fetched
// without an Authorization header. A large file starts on one connection; when that connection
// proves slow while the client waits for bytes (a per-connection cap, as on Microsoft's file hosts
// over a WAN), the rest comes as parallel ranged parts, one connection each. Every range resumes
// from its last received byte after a failure, and an expired URL is replaced by fetching the item
// again. Whole-file downloads are checked against the QuickXorHash the service reports.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import type { BodyResponse } from "./bodyStream.ts";
import { FerryError, GraphError, IntegrityError } from "./errors.ts";
import type { GraphCore } from "./graphCore.ts";
import { LinkProbe } from "./linkProbe.ts";
import { QuickXorHash } from "./quickXorHash.ts";

export interface DownloadOptions {
  /** First byte to read (default 0). */
  start?: number;
  /** One past the last byte to read (default: the file's size), like `slice`. */
  end?: number;
  signal?: AbortSignal;
  /** Parts fetched at once for large files (default 8). */
  concurrency?: number;
  /** Bytes per part (default 2 MiB). Memory use is about `concurrency × partSize`. */
  partSize?: number;
  /** Files (or ranges) at least this big may be fetched in parallel parts (default 16 MiB). */
  parallelThreshold?: number;
  /**
   * Bytes per second at which one connection is judged fast enough to carry a large download
   * alone (default 80 MB/s): the first connection's rate is measured over its first bytes, and
   * parallel parts are added only below this. `Infinity` always splits; 0 never does.
   */
  singleStreamRate?: number;
  /** Called as bytes are delivered, in order. */
  onProgress?: (bytes: number, total: number) => void;
}

export interface Download {
  item: DriveItem;
  /** Bytes the stream will deliver. */
  length: number;
  stream: ReadableStream<Uint8Array>;
}

// Eight connections beat a per-connection cap (WAN profile, 50 MB/s each: 1 GiB at 175 MB/s, 3.6×
// the Graph SDK's one stream, CPU-bound on 2 cores); 2 MiB parts keep each busy for several round
// trips while the parts held ahead of the reader stay under ~16 MiB (peak RSS 142 MB for 1 GiB).
// Measured against these on WAN 64 MiB: 4 MiB parts took 0.54 and 0.91 s with peak RSS 148 MB,
// 12 connections 0.56 and 0.99 s, where 8 × 2 MiB took 0.47 and 0.51 s.
const DEFAULTS = {
  concurrency: 8,
  partSize: 2 * 1024 * 1024,
  parallelThreshold: 16 * 1024 * 1024,
  // Why 80 MB/s: see linkProbe.ts.
  singleStreamRate: 80_000_000,
};
type Options = typeof DEFAULTS & { signal?: AbortSignal };
/**
 * The first connection is judged after this many bytes or milliseconds past its warm-up, whichever
 * comes first. On the WAN profile 60 ms windows read 49–56 MB/s (100 ms windows: 45–60), well
 * under the 80 MB/s bar even with the emulator's 1 MB burst allowance inside the window (at 50 ms:
 * at most 70 MB/s). The window is time spent on one connection where eight would do: going from
 * 100 to 60 ms took a 64 MiB WAN download from 0.52–0.57 s to 0.47–0.51 s (the SDK: 1.43 s), and
 * 50 ms with a 256 KiB warm-up measured 0.47–0.70 s in the same conditions as 0.50–0.61 s at 60 ms
 * and 1 MiB (within the machine's noise; kept because the window can only cost). On LAN 8 MiB
 * arrive in 15–80 ms, so the window mostly ends on bytes.
 */
export const PROBE_BYTES = 8 * 1024 * 1024;
export const PROBE_MS = 50;
const SELECT = "id,name,size,eTag,cTag,file,folder,@microsoft.graph.downloadUrl";
/** The statuses Microsoft's file hosts answer for an expired or revoked pre-authenticated URL. */
const EXPIRED_LINK = new Set([401, 403, 404, 410]);

/**
 * The item's download URL, refreshed on demand. Concurrent parts that find the URL expired share
 * one refresh, and a refresh that finds the file changed stops the download instead of mixing
 * bytes from two versions.
 */
export class DownloadLink {
  private refreshing: Promise<string> | undefined;
  refreshes = 0;

  constructor(
    private readonly core: GraphCore,
    readonly item: DriveItem,
    private url: string,
    private readonly path: string,
  ) {}

  static async open(core: GraphCore, path: string, signal?: AbortSignal): Promise<DownloadLink> {
    const item = await itemJson(core, core.itemUrl(path, { $select: SELECT }), path, signal);
    if (item.folder || !item.file)
      throw new FerryError(`${path} is a folder: only files can be downloaded`, { code: "is_a_folder" });
    return new DownloadLink(core, item, downloadUrl(item, path), path);
  }

  current(): string {
    return this.url;
  }

  get size(): number {
    return this.item.size ?? 0;
  }

  /**
   * Bytes `[start, end)` of the file (end clamped to its size), from the download URL, resuming a
   * broken transfer and renewing an expired URL. Random access for readers such as Parquet's:
   * the item is fetched once, not once per range.
   */
  async fetch(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    const stop = Math.min(end, this.size);
    if (stop <= start) return new Uint8Array(0);
    const out = new Uint8Array(stop - start);
    let at = 0;
    for await (const chunk of rangeWithResume(this.core, this, this.path, start, { end: stop }, signal)) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** A fresh URL after `stale` stopped working. */
  renew(stale: string, signal?: AbortSignal): Promise<string> {
    if (stale !== this.url) return Promise.resolve(this.url);
    this.refreshing ??= (async () => {
      try {
        const fresh = await itemJson(this.core, this.core.idUrl(this.item.id ?? ""), this.path, signal);
        if (fresh.eTag !== this.item.eTag && fresh.cTag !== this.item.cTag) {
          throw new FerryError(
            `${this.path} changed on OneDrive while it was being downloaded; download it again`,
            { code: "changed_while_reading" },
          );
        }
        const url = downloadUrl(fresh, this.path);
        this.refreshes++;
        this.url = url;
        return url;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}

/** GETs a driveItem the way the download's bytes will come (see Transport.sendReadBody). */
function itemJson(core: GraphCore, url: string, path: string, signal?: AbortSignal): Promise<DriveItem> {
  return core.transport.sendReadBody(
    { method: "GET", url, path, ...(signal ? { signal } : {}) },
    async (response) => JSON.parse(await response.text()) as DriveItem,
  );
}

/**
 * The item's pre-authenticated download URL. Graph returns it as an instance annotation that
 * @microsoft/microsoft-graph-types does not declare, and only when asked for (see SELECT).
 */
function downloadUrl(item: DriveItem, path: string): string {
  const url = (item as { "@microsoft.graph.downloadUrl"?: unknown })["@microsoft.graph.downloadUrl"];
  if (typeof url !== "string" || url === "")
    throw new FerryError(`${path}: Graph returned no download URL for this file`);
  return url;
}

/** Opens a download of `path`, whole or a byte range. */
export async function openDownload(
  core: GraphCore,
  path: string,
  options: DownloadOptions = {},
): Promise<Download> {
  const link = await DownloadLink.open(core, path, options.signal);
  const { start, end, length, expected } = span(link, options);
  const opts = downloadOptions(options);
  const source =
    length >= opts.parallelThreshold && opts.concurrency > 1
      ? oneThenParallel(core, link, path, start, end, opts)
      : rangeWithResume(core, link, path, start, { end }, opts.signal);
  return { item: link.item, length, stream: verified(source, path, length, expected, options.onProgress) };
}

/** The bytes a download covers, and the hash to check them against when that is the whole file. */
export function span(
  link: DownloadLink,
  options: Pick<DownloadOptions, "start" | "end">,
): { start: number; end: number; length: number; expected: string | undefined } {
  const size = link.size;
  const start = clamp(options.start ?? 0, size);
  const end = clamp(options.end ?? size, size);
  const whole = start === 0 && end === size;
  const expected = whole ? (link.item.file?.hashes?.quickXorHash ?? undefined) : undefined;
  return { start, end, length: Math.max(0, end - start), expected };
}

/** The options with the defaults filled in. */
export function downloadOptions(options: DownloadOptions): Options & DownloadOptions {
  return { ...DEFAULTS, ...definedOnly(options) };
}

/**
 * One connection first; parallel parts only when that connection turns out slow. The first request
 * asks for the whole range, and its rate is measured over its first bytes (from the first chunk, so
 * the round trip to the first byte does not count). A connection at `singleStreamRate` or more,
 * or one whose client was too busy to read faster, carries the whole download: there more
 * connections only add CPU (TLS, buffers, one request per part), and on the 2-core bench machine
 * CPU is what a LAN download is short of.
 * Below it, the link caps each connection (Microsoft's file hosts, a WAN), and parallel parts are
 * what beat the cap: the first connection finishes one more part and closes, the rest of the range
 * goes to `concurrency` connections part by part. Deciding early from absolute measurements (see
 * linkProbe.ts) avoids what sank the previous attempt (a ramp that added streams while throughput
 * rose read the noise of a loaded machine as gains and was slower than the SDK on LAN; see
 * bench/RESULTS.md).
 */
async function* oneThenParallel(
  core: GraphCore,
  link: DownloadLink,
  path: string,
  start: number,
  end: number,
  opts: Options,
): AsyncGenerator<Uint8Array> {
  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
  const stop: RangeEnd = { end };
  const first = rangeWithResume(core, link, path, start, stop, signal);
  let handedOver = false;
  try {
    let offset = start;
    const probe = new LinkProbe(opts.singleStreamRate, PROBE_MS, PROBE_BYTES);
    for (;;) {
      const { done, value } = await first.next();
      if (done) return;
      offset += value.length;
      yield value;
      const verdict = probe.chunk(value.length);
      if (verdict === undefined) continue;
      // Less than two parts left: not worth new connections.
      if (verdict === "one" || end - offset < 2 * opts.partSize) {
        yield* first;
        return;
      }
      break;
    }
    // Slow: the first connection finishes one more part and closes; the rest goes in parts.
    stop.end = Math.min(end, offset + opts.partSize);
    handedOver = true;
    yield* parallelParts(core, link, path, stop.end, end, opts, signal, new PartBuffer(first));
  } finally {
    if (!handedOver) await first.return(undefined);
    abort.abort(new FerryError("download stopped"));
  }
}

/**
 * Fetches `[start, end)` in parts over several connections and yields them in order, after the
 * bytes of `head` (a part already under way) if given.
 */
async function* parallelParts(
  core: GraphCore,
  link: DownloadLink,
  path: string,
  start: number,
  end: number,
  opts: Options,
  signal: AbortSignal,
  head?: PartBuffer,
): AsyncGenerator<Uint8Array> {
  const parts: [number, number][] = [];
  for (let s = start; s < end; s += opts.partSize) parts.push([s, Math.min(end, s + opts.partSize)]);
  const inFlight: PartBuffer[] = head ? [head] : [];
  let next = 0;
  const launch = () => {
    const [s, e] = parts[next++] as [number, number];
    inFlight.push(new PartBuffer(rangeWithResume(core, link, path, s, { end: e }, signal)));
  };
  while (next < parts.length && inFlight.length < opts.concurrency) launch();
  while (inFlight.length > 0) {
    // The part in turn streams straight through as its bytes arrive; the parts after it fill
    // in the background. Only parts ahead of the reader are held, as the chunks the network
    // delivered (no copying into part-sized buffers, which would only add garbage).
    yield* (inFlight[0] as PartBuffer).drain();
    inFlight.shift();
    if (next < parts.length) launch();
  }
}

/** One part being fetched: collects its chunks and hands them to the reader in order. */
class PartBuffer {
  private readonly chunks: Uint8Array[] = [];
  private done = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  constructor(source: AsyncGenerator<Uint8Array>) {
    void this.fill(source);
  }

  private async fill(source: AsyncGenerator<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of source) {
        this.chunks.push(chunk);
        this.wake?.();
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.done = true;
      this.wake?.();
    }
  }

  async *drain(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        yield chunk;
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

/** Where a range stops; lowered while it runs when the rest of it goes to other connections. */
export interface RangeEnd {
  end: number;
}

/**
 * Yields the bytes of `[start, stop.end)` from the download URL. A connection that breaks
 * mid-body is reopened from the next byte needed; a URL that stopped working is renewed.
 */
export async function* rangeWithResume(
  core: GraphCore,
  link: DownloadLink,
  path: string,
  start: number,
  stop: RangeEnd,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let offset = start;
  const began = Date.now();
  let renewals = 0;
  for (let attempt = 1; offset < stop.end; attempt++) {
    const url = link.current();
    let response: BodyResponse;
    try {
      response = await core.transport.sendForBody({
        method: "GET",
        url,
        path,
        auth: false,
        headers: { range: `bytes=${offset}-${stop.end - 1}` },
        accept: (s) => EXPIRED_LINK.has(s),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw error instanceof GraphError ? error : withPath(error, path);
    }
    if (EXPIRED_LINK.has(response.status)) {
      await response.cancel();
      if (++renewals > 3)
        throw new FerryError(
          `${path}: the download URL keeps being refused (HTTP ${response.status}); try again later`,
        );
      await link.renew(url, signal);
      continue;
    }
    // Microsoft's hosts may ignore Range and send the whole file; skip what precedes the range.
    let skip = response.status === 206 ? 0 : offset;
    if (response.status === 206) {
      const got = /bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
      if (!got || Number(got[1]) !== offset) {
        await response.cancel();
        throw new FerryError(
          `${path}: the server answered a different range than asked (${response.headers.get("content-range")})`,
        );
      }
    }
    const chunks = response.chunks();
    try {
      while (offset < stop.end) {
        const { done, value } = await chunks.next();
        if (done) break;
        let chunk: Uint8Array = value;
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length);
          skip -= drop;
          chunk = chunk.subarray(drop);
          if (chunk.length === 0) continue;
        }
        if (chunk.length > stop.end - offset) chunk = chunk.subarray(0, stop.end - offset);
        offset += chunk.length;
        yield chunk;
      }
      if (offset < stop.end)
        throw new FerryError(`${path}: the connection closed early at byte ${offset} of ${stop.end}`, {
          code: "closed_early",
        });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // A body cut off mid-read (undici's "other side closed" or fetch's "terminated", or our
      // closed_early) resumes through the transport's retry path, so the retry is paced, counted
      // and reported to onRetry like any other.
      const again = await core.transport.retryAfterBodyFailure({
        method: "GET",
        url,
        path,
        attempt,
        started: began,
        error,
        signal,
      });
      if (!again) throw withPath(error, path);
    } finally {
      // Every way out — done, failed, retrying, the range cut short, or the consumer stopping
      // early (return() on this generator) — releases the connection instead of leaving the rest
      // of the body unread.
      await response.cancel();
    }
  }
}

/** Delivers the bytes in order, counting them, and checks the whole-file hash at the end. */
function verified(
  source: AsyncGenerator<Uint8Array>,
  path: string,
  length: number,
  expected: string | undefined,
  onProgress?: (bytes: number, total: number) => void,
): ReadableStream<Uint8Array> {
  const hash = expected ? new QuickXorHash() : undefined;
  let delivered = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await source.next();
          if (done) {
            if (delivered !== length)
              throw new FerryError(`${path}: received ${delivered} bytes, expected ${length}`);
            const actual = hash?.digest();
            if (expected && actual !== expected)
              throw new IntegrityError({ path, expectedHash: expected, actualHash: actual ?? "" });
            controller.close();
            return;
          }
          hash?.update(value);
          delivered += value.length;
          onProgress?.(delivered, length);
          controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel(reason) {
        await source.return(undefined);
        void reason;
      },
    },
    { highWaterMark: 0 },
  );
}

function withPath(error: unknown, path: string): unknown {
  if (error instanceof FerryError || (error instanceof Error && error.name === "AbortError")) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FerryError(`downloading ${path} failed: ${message}; check the network and try again`, {
    code: "network_error",
    cause: error,
  });
}

function clamp(n: number, size: number): number {
  const v = n < 0 ? size + n : n;
  return Math.min(size, Math.max(0, Math.floor(v)));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
