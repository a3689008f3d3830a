// Uploads. Empty files and files up to 4 MiB go in one PUT; larger ones through an upload session
// in fragments that are multiples of 320 KiB, sent one after another (Graph requires order) while
// the next fragment is read, so memory holds at most two fragments. Every upload is checked
// against the QuickXorHash the service reports for the stored file.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { FerryError, IntegrityError, UploadSessionGoneError } from "./errors.ts";
import type { GraphCore } from "./graphCore.ts";
import { QuickXorHash } from "./quickXorHash.ts";
import { asBody } from "./streams.ts";
import { sleep } from "./transport.ts";
import { type ConflictBehavior, FRAGMENT_UNIT, MAX_FRAGMENT, UploadSession } from "./uploadSession.ts";
import { type ChunkSource, openSource, type UploadSource } from "./uploadSource.ts";

export interface UploadOptions {
  /** What to do when the name exists: `replace` (default), `fail` (ConflictError) or `rename`. */
  conflict?: ConflictBehavior;
  /** Session fragment size, rounded down to a multiple of 320 KiB (default 10 MiB, max 60 MiB). */
  chunkSize?: number;
  /** The file's modification time to record on OneDrive. */
  modifiedAt?: Date;
  /** Size of a stream source, so it need not be spooled to disk first. */
  size?: number;
  onProgress?: (bytes: number, total: number) => void;
  signal?: AbortSignal;
}

/** Microsoft's guidance: simple PUT for files up to 4 MiB, upload sessions above. */
export const SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 32 * FRAGMENT_UNIT; // 10 MiB
/** Upload sessions one upload may go through when sessions keep ending under it. */
const MAX_SESSIONS = 3;

export async function upload(
  core: GraphCore,
  path: string,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<DriveItem> {
  const src = await openSource(source, options.size);
  try {
    // A small file with a modification time still goes through a session, which is the only way
    // to set the time without creating a second version. Sessions refuse 0-byte files, though.
    const simple = src.size === 0 || (src.size <= SIMPLE_UPLOAD_LIMIT && !options.modifiedAt);
    if (simple) return await simpleUpload(core, path, src, options);
    for (let attempt = 1; ; attempt++) {
      try {
        return await sessionUpload(core, path, src, options);
      } catch (error) {
        // A session can end under a slow or stalled upload (Graph expires idle ones). Nothing of it was
        // committed, so a source that can be read again simply starts over in a new session.
        if (!(error instanceof UploadSessionGoneError) || !src.rereadable || attempt >= MAX_SESSIONS)
          throw error;
      }
    }
  } finally {
    await src.close();
  }
}

async function simpleUpload(
  core: GraphCore,
  path: string,
  src: ChunkSource,
  options: UploadOptions,
): Promise<DriveItem> {
  const bytes = await src.read(0, src.size);
  const url = core.actionUrl(path, "content", {
    "@microsoft.graph.conflictBehavior": options.conflict ?? "replace",
  });
  const item = await core.json<DriveItem>("PUT", url, {
    path,
    headers: { "content-type": "application/octet-stream" },
    body: asBody(bytes),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  options.onProgress?.(bytes.length, bytes.length);
  verify(path, item, new QuickXorHash().update(bytes).digest());
  if (options.modifiedAt && src.size === 0) {
    // Unavoidable for empty files (sessions refuse them): the time needs a PATCH.
    return core.json<DriveItem>("PATCH", core.idUrl(item.id ?? ""), {
      path,
      json: { fileSystemInfo: { lastModifiedDateTime: options.modifiedAt.toISOString() } },
    });
  }
  return item;
}

async function sessionUpload(
  core: GraphCore,
  path: string,
  src: ChunkSource,
  options: UploadOptions,
): Promise<DriveItem> {
  const chunk = fragmentSize(options.chunkSize);
  const total = src.size;
  const signal = options.signal;
  const session = await UploadSession.create(core, path, {
    conflict: options.conflict ?? "replace",
    ...(options.modifiedAt ? { modifiedAt: options.modifiedAt } : {}),
    ...(signal ? { signal } : {}),
  });
  const hash = new QuickXorHash();
  let hashed = 0;
  let finished = false;
  try {
    let offset = 0;
    let current = await src.read(0, Math.min(chunk, total));
    let currentAt = 0;
    let ahead: Promise<Uint8Array> | undefined;
    let aheadAt = -1;
    for (let stalls = 0; ; ) {
      if (currentAt + current.length > hashed) {
        // Hash each byte once, in order, the first time it is sent.
        hash.update(current.subarray(hashed - currentAt));
        hashed = currentAt + current.length;
      }
      const fragment = current.subarray(offset - currentAt);
      // Read ahead the next fragment while this one is on the wire — once per fragment: sources
      // reuse their buffers, so a second read while `current` is being resent would overwrite it.
      const nextAt = currentAt + current.length;
      if (aheadAt !== nextAt) {
        ahead = nextAt < total ? src.read(nextAt, Math.min(chunk, total - nextAt)) : undefined;
        ahead?.catch(() => undefined);
        aheadAt = nextAt;
      }
      const result = await session.put(fragment, offset, total, signal);
      if (!result.done && result.maybeCommitted) {
        // The final fragment went through but its reply was lost, and the session is gone: the
        // file is only ours if it holds exactly our bytes.
        finished = true;
        const item = await core.json<DriveItem>("GET", core.itemUrl(path), {
          path,
          ...(signal ? { signal } : {}),
        });
        verify(path, item, hash.digest());
        options.onProgress?.(total, total);
        return item;
      }
      if (result.done) {
        finished = true;
        options.onProgress?.(total, total);
        verify(path, result.item, hash.digest());
        return result.item;
      }
      options.onProgress?.(result.next, total);
      if (result.next === nextAt && ahead) {
        current = await ahead;
        currentAt = nextAt;
        offset = nextAt;
        stalls = 0;
      } else if (result.next >= currentAt && result.next < nextAt) {
        // The service kept only part of this fragment; resend the rest of it.
        const moved = result.next !== offset;
        offset = result.next;
        if (++stalls > 5)
          throw new FerryError(
            `${path}: the upload session keeps refusing bytes from ${result.next}; upload it again`,
          );
        // Not at once when nothing moved: after a connection dropped mid-fragment the service may
        // still be taking in that request, and until it notices, it refuses this session's next
        // fragment with 416 and reports the old position (the emulator does; so would any server
        // that keeps one writer per session). 100 ms, doubling, gives it 3 s over five tries.
        if (!moved) await sleep(100 * 2 ** (stalls - 1), signal);
      } else {
        throw new FerryError(
          `${path}: the upload session asked for byte ${result.next}, outside the fragment just sent; upload it again`,
        );
      }
    }
  } finally {
    if (!finished) await session.cancel();
  }
}

function fragmentSize(requested = DEFAULT_CHUNK_SIZE): number {
  const rounded = Math.floor(requested / FRAGMENT_UNIT) * FRAGMENT_UNIT;
  return Math.min(MAX_FRAGMENT, Math.max(FRAGMENT_UNIT, rounded));
}

function verify(path: string, item: DriveItem, actual: string): void {
  const expected = item.file?.hashes?.quickXorHash;
  // A service that reports no hash cannot be checked; every Microsoft drive type reports this one.
  if (expected && expected !== actual)
    throw new IntegrityError({ path, expectedHash: expected, actualHash: actual });
}
