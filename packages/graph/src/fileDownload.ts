// Downloading into a local file (Node). Every range is written where it belongs as its bytes
// arrive (positioned writes), so parallel parts need no reordering in memory: nothing is held
// ahead of a reader, and a part that finishes early hands its connection to the next part at once
// instead of waiting for the parts before it to be read. QuickXorHash places each byte by its
// offset in the file, so the whole-file check is taken in whatever order the bytes come.

import type { FileHandle } from "node:fs/promises";
import { FerryError, IntegrityError } from "./errors.ts";
import type { GraphCore } from "./graphCore.ts";
import { LinkProbe } from "./linkProbe.ts";
import { QuickXorHash } from "./quickXorHash.ts";
import {
  type DownloadLink,
  type DownloadOptions,
  downloadOptions,
  PROBE_BYTES,
  PROBE_MS,
  type RangeEnd,
  rangeWithResume,
  span,
} from "./reader.ts";

type Sink = (offset: number, chunk: Uint8Array) => Promise<void>;

/**
 * Writes the file behind `link` (or `[start, end)` of it) into `handle` from position 0, checking
 * a whole file against the service's QuickXorHash. Rejects with IntegrityError on a mismatch; the
 * caller removes what was written.
 */
export async function downloadToHandle(
  core: GraphCore,
  link: DownloadLink,
  path: string,
  handle: FileHandle,
  options: DownloadOptions,
): Promise<void> {
  const { start, end, length, expected } = span(link, options);
  const opts = downloadOptions(options);
  const hash = expected ? new QuickXorHash() : undefined;
  let written = 0;
  const sink: Sink = async (offset, chunk) => {
    const at = offset - start;
    for (let done = 0; done < chunk.length; ) {
      const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, at + done);
      done += bytesWritten;
    }
    hash?.updateAt(at, chunk);
    written += chunk.length;
    opts.onProgress?.(written, length);
  };

  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
  try {
    if (length >= opts.parallelThreshold && opts.concurrency > 1)
      await oneThenParallelInto(core, link, path, start, end, opts, signal, sink, () =>
        abort.abort(new FerryError("download stopped")),
      );
    else await pump(rangeWithResume(core, link, path, start, { end }, signal), start, sink);
  } finally {
    abort.abort(new FerryError("download stopped"));
  }
  if (written !== length) throw new FerryError(`${path}: received ${written} bytes, expected ${length}`);
  const actual = hash?.digest();
  if (expected && actual !== expected)
    throw new IntegrityError({ path, expectedHash: expected, actualHash: actual ?? "" });
}

/** As reader.ts's oneThenParallel (same probe, same reasons), writing instead of yielding in order. */
async function oneThenParallelInto(
  core: GraphCore,
  link: DownloadLink,
  path: string,
  start: number,
  end: number,
  opts: ReturnType<typeof downloadOptions>,
  signal: AbortSignal,
  sink: Sink,
  stopAll: () => void,
): Promise<void> {
  const stop: RangeEnd = { end };
  const first = rangeWithResume(core, link, path, start, stop, signal);
  let offset = start;
  const probe = new LinkProbe(opts.singleStreamRate, PROBE_MS, PROBE_BYTES);
  try {
    for (;;) {
      const { done, value } = await first.next();
      if (done) return;
      await sink(offset, value);
      offset += value.length;
      const verdict = probe.chunk(value.length);
      if (verdict === undefined) continue;
      if (verdict === "one" || end - offset < 2 * opts.partSize) return await pump(first, offset, sink);
      break;
    }
  } catch (error) {
    await first.return(undefined);
    throw error;
  }
  stop.end = Math.min(end, offset + opts.partSize);
  const parts: [number, number][] = [];
  for (let s = stop.end; s < end; s += opts.partSize) parts.push([s, Math.min(end, s + opts.partSize)]);
  let next = 0;
  // Each connection takes the next part as soon as it is free: no part waits for another.
  const take = async (): Promise<void> => {
    while (next < parts.length) {
      const [s, e] = parts[next++] as [number, number];
      await pump(rangeWithResume(core, link, path, s, { end: e }, signal), s, sink);
    }
  };
  const firstTail = pump(first, offset, sink).then(take);
  await allOrFirstFailure([firstTail, ...Array.from({ length: opts.concurrency - 1 }, take)], stopAll);
}

/** Writes a range's chunks from `offset` on. */
async function pump(source: AsyncGenerator<Uint8Array>, offset: number, sink: Sink): Promise<void> {
  let at = offset;
  for await (const chunk of source) {
    await sink(at, chunk);
    at += chunk.length;
  }
}

/**
 * Waits for every task, even after one failed (`stopAll` makes the others stop), so no write lands
 * after the file is closed; then rethrows the first failure.
 */
async function allOrFirstFailure(tasks: Promise<void>[], stopAll: () => void): Promise<void> {
  let failure: { error: unknown } | undefined;
  await Promise.all(
    tasks.map((task) =>
      task.catch((error: unknown) => {
        if (!failure) {
          failure = { error };
          stopAll();
        }
      }),
    ),
  );
  if (failure) throw failure.error;
}
