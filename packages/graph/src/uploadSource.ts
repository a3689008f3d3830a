// What `upload()` accepts, turned into one shape: a known size and positional reads. Bytes, Blobs
// and local files can be read again at any offset, which makes a failed upload resumable from
// wherever the service says. A stream can only be read forward, so the last chunk read is kept for
// re-sending; a stream of unknown size is first spooled to a temporary file (as rclone does),
// because an upload session must state the total size in every fragment.

import { FerryError } from "./errors.ts";
import { chunksOf } from "./streams.ts";

export type UploadSource =
  | Uint8Array
  | ArrayBuffer
  | Blob
  /** A local file path (Node, Deno, Bun). */
  | string
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

export interface ChunkSource {
  readonly size: number;
  /**
   * Bytes `[offset, offset + length)`. Forward-only sources allow offsets within or after the
   * previous read only.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** False for a forward-only stream, which cannot start over from byte 0. */
  readonly rereadable: boolean;
  close(): Promise<void>;
}

export async function openSource(source: UploadSource, declaredSize?: number): Promise<ChunkSource> {
  if (source instanceof Uint8Array) return bytesSource(source);
  if (source instanceof ArrayBuffer) return bytesSource(new Uint8Array(source));
  if (source instanceof Blob) return blobSource(source);
  if (typeof source === "string") return fileSource(source);
  const iterable: AsyncIterable<Uint8Array> = source instanceof ReadableStream ? chunksOf(source) : source;
  if (declaredSize !== undefined) return streamSource(iterable[Symbol.asyncIterator](), declaredSize);
  return spool(iterable);
}

function bytesSource(bytes: Uint8Array): ChunkSource {
  return {
    size: bytes.length,
    rereadable: true,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    close: async () => undefined,
  };
}

function blobSource(blob: Blob, onClose?: () => Promise<void>): ChunkSource {
  return {
    size: blob.size,
    rereadable: true,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
    close: async () => onClose?.(),
  };
}

/**
 * A forward-only stream of a declared size; keeps the last chunk read so it can be sent again.
 * Chunks alternate between two buffers: the uploader holds at most the chunk on the wire and the
 * one read ahead, so reusing the buffer of the chunk before those keeps memory flat (fresh
 * buffers per chunk would pile up as garbage faster than the collector returns it).
 */
function streamSource(iterator: AsyncIterator<Uint8Array>, size: number): ChunkSource {
  const buffers: Uint8Array[] = [];
  let turn = 0;
  let pending: Uint8Array = new Uint8Array(0);
  let pendingOffset = 0;
  let last: { offset: number; bytes: Uint8Array } = { offset: 0, bytes: new Uint8Array(0) };
  let ended = false;
  return {
    size,
    rereadable: false,
    async read(offset, length) {
      const lastEnd = last.offset + last.bytes.length;
      if (offset >= last.offset && offset + length <= lastEnd) {
        return last.bytes.subarray(offset - last.offset, offset - last.offset + length);
      }
      if (offset !== lastEnd) {
        throw new FerryError(
          `cannot re-read bytes ${offset}–${offset + length} of a stream; upload it again from the start`,
        );
      }
      const want = Math.min(length, size - offset);
      let buffer = buffers[turn];
      if (!buffer || buffer.length < want) {
        buffer = new Uint8Array(want);
        buffers[turn] = buffer;
      }
      turn = 1 - turn;
      const out = buffer.subarray(0, want);
      let filled = 0;
      while (filled < out.length) {
        if (pending.length === pendingOffset) {
          if (ended) break;
          const r = await iterator.next();
          if (r.done) {
            ended = true;
            break;
          }
          pending = r.value;
          pendingOffset = 0;
          continue;
        }
        const take = Math.min(out.length - filled, pending.length - pendingOffset);
        out.set(pending.subarray(pendingOffset, pendingOffset + take), filled);
        pendingOffset += take;
        filled += take;
      }
      if (filled < out.length) {
        throw new FerryError(
          `the stream ended after ${offset + filled} bytes, but its size was given as ${size}`,
        );
      }
      last = { offset, bytes: out };
      return out;
    },
    async close() {
      await iterator.return?.();
    },
  };
}

/** Writes a stream of unknown length to a temporary file, then serves it as a file. */
async function spool(iterable: AsyncIterable<Uint8Array>): Promise<ChunkSource> {
  const node = await nodeFs("a stream of unknown size (pass `size` to upload it without spooling)");
  const dir = await node.fs.mkdtemp(node.path.join(node.os.tmpdir(), "ferry-spool-"));
  const file = node.path.join(dir, "upload");
  try {
    const handle = await node.fs.open(file, "w", 0o600);
    try {
      for await (const chunk of iterable) await handle.write(chunk);
    } finally {
      await handle.close();
    }
    return await fileSource(file, () => node.fs.rm(dir, { recursive: true, force: true }));
  } catch (error) {
    await node.fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A local file, read at any offset into two reused buffers (see streamSource for why two): a Blob
 * from `openAsBlob` would hand back a fresh ArrayBuffer per fragment, and those pile up as
 * garbage — 60 MB more peak memory on a 1 GiB upload.
 */
async function fileSource(path: string, onClose?: () => Promise<void>): Promise<ChunkSource> {
  const node = await nodeFs("a local file path");
  let handle: Awaited<ReturnType<typeof node.fs.open>>;
  try {
    handle = await node.fs.open(path, "r");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new FerryError(
      code === "ENOENT"
        ? `local file ${path} does not exist`
        : `cannot read local file ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const size = (await handle.stat()).size;
  const buffers: Uint8Array[] = [];
  let turn = 0;
  return {
    size,
    rereadable: true,
    async read(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      let buffer = buffers[turn];
      if (!buffer || buffer.length < want) {
        buffer = new Uint8Array(want);
        buffers[turn] = buffer;
      }
      turn = 1 - turn;
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, offset + filled);
        if (bytesRead === 0) throw new FerryError(`local file ${path} shrank while it was being uploaded`);
        filled += bytesRead;
      }
      return buffer.subarray(0, want);
    },
    async close() {
      await handle.close();
      await onClose?.();
    },
  };
}

/** Node's file APIs, loaded only when a local file is involved so the client stays web-standard. */
async function nodeFs(what: string) {
  try {
    const [fs, os, path] = await Promise.all([
      import("node:fs/promises"),
      import("node:os"),
      import("node:path"),
    ]);
    return { fs, os, path };
  } catch {
    throw new FerryError(`uploading ${what} needs a runtime with node:fs`);
  }
}
