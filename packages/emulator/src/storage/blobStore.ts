import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { mkdir, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Content, DriveType, Hashes } from "../drive/itemRecord.ts";
import { hexId } from "../secrets.ts";
import { ContentHasher } from "./contentHasher.ts";

/**
 * File bodies on disk, one file per blob, streamed in and out so memory stays flat whatever the
 * size. Blobs are shared by copies, so each has a reference count; the count is derived from the
 * drives when state is loaded, never stored.
 */
export class BlobStore {
  private readonly refs = new Map<string, number>();
  readonly blobDir: string;
  readonly partDir: string;

  constructor(dataDir: string) {
    this.blobDir = join(dataDir, "blobs");
    this.partDir = join(dataDir, "parts");
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await rm(this.partDir, { recursive: true, force: true });
    await mkdir(this.partDir, { recursive: true });
  }

  pathOf(blobId: string): string {
    return join(this.blobDir, blobId);
  }

  /** A fresh path for a partial body (an upload in progress). */
  newPartPath(): string {
    return join(this.partDir, hexId(24));
  }

  /**
   * Streams `source` into a new blob, hashing on the way. `onChunk` sees every chunk first (for
   * counters and size limits); throwing from it aborts the write and removes the partial file.
   */
  async ingest(source: Readable, driveType: DriveType, onChunk?: (chunk: Buffer) => void): Promise<Content> {
    const part = this.newPartPath();
    const hasher = new ContentHasher(driveType);
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            onChunk?.(chunk);
            hasher.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(part),
      );
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return this.adopt(part, { size: hasher.size, hashes: hasher.digest() });
  }

  /** Turns a completed partial file, already measured and hashed, into a blob with one reference. */
  async adopt(partPath: string, digest: { size: number; hashes: Hashes }): Promise<Content> {
    const blobId = hexId(32);
    await rename(partPath, this.pathOf(blobId));
    this.refs.set(blobId, 1);
    return { blobId, size: digest.size, hashes: digest.hashes };
  }

  read(blobId: string, start?: number, endInclusive?: number): ReadStream {
    return createReadStream(this.pathOf(blobId), { start, end: endInclusive, highWaterMark: 256 * 1024 });
  }

  exists(blobId: string): boolean {
    return this.refs.has(blobId);
  }

  retain(blobId: string): void {
    this.refs.set(blobId, (this.refs.get(blobId) ?? 0) + 1);
  }

  /** Drops a reference; the file goes when nothing refers to it. */
  async release(blobIds: Iterable<string>): Promise<void> {
    for (const blobId of blobIds) {
      const n = (this.refs.get(blobId) ?? 1) - 1;
      if (n > 0) this.refs.set(blobId, n);
      else {
        this.refs.delete(blobId);
        await unlink(this.pathOf(blobId)).catch(() => undefined);
      }
    }
  }

  /** Rebuilds reference counts from the drives after a restart. */
  recount(references: Iterable<string>): void {
    this.refs.clear();
    for (const id of references) this.retain(id);
  }
}
