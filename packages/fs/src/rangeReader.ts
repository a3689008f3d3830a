// A random-access reader over any source of byte ranges (a OneDrive download URL, a local file).
// Remote range reads cost a round trip each, so:
//   - small reads are served from aligned blocks (default 1 MiB) kept in an LRU cache of bounded
//     bytes, so a parser that reads a header, then a few fields, makes one request, not ten;
//   - reads that continue where the previous one ended grow a readahead window (doubling up to
//     `maxReadahead`), as the Linux page cache does, so sequential scans stay ahead of the reader;
//   - large reads (at least `directThreshold`) are fetched exactly, never rounded out to blocks:
//     a Parquet column chunk must cost its own bytes and nothing more;
//   - every request issued in the same tick (hyparquet asks for all the column chunks it needs at
//     once) is sorted and ranges less than `mergeGap` apart are fetched as one request.
// It is a hyparquet AsyncBuffer: `byteLength` and `slice(start, end)`.

import { FerryError } from "@ferry/graph";
import { resolveRange } from "./common.ts";
import type { RandomAccessFile } from "./types.ts";

export interface RangeSource {
  readonly size: number;
  /** Bytes `[start, end)`. */
  fetch(start: number, end: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

export interface RangeReaderOptions {
  /** Cache block size (default 1 MiB). */
  blockSize?: number;
  /** Most bytes the block cache holds (default 32 MiB). */
  cacheBytes?: number;
  /** Largest readahead window for sequential reads (default 8 MiB). */
  maxReadahead?: number;
  /** Reads at least this long skip the block cache and fetch exactly (default blockSize / 4). */
  directThreshold?: number;
  /** Ranges closer than this are fetched in one request (default 64 KiB). */
  mergeGap?: number;
  /** A merged request never grows past this (default 64 MiB). */
  maxRequest?: number;
}

export interface RangeReaderStats {
  /** `read`/`slice` calls. */
  reads: number;
  /** Requests sent to the source. */
  requests: number;
  /** Bytes fetched from the source. */
  bytesFetched: number;
  /** Reads answered entirely from blocks already cached or in flight. */
  cacheHits: number;
}

interface Pending {
  start: number;
  end: number;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: unknown) => void;
}

const MiB = 1024 * 1024;

export class RangeReader implements RandomAccessFile {
  readonly stats: RangeReaderStats = { reads: 0, requests: 0, bytesFetched: 0, cacheHits: 0 };
  private readonly blockSize: number;
  private readonly cacheBytes: number;
  private readonly maxReadahead: number;
  private readonly directThreshold: number;
  private readonly mergeGap: number;
  private readonly maxRequest: number;
  /** Block index → its bytes (in flight or settled). Map order is LRU order: oldest first. */
  private readonly blocks = new Map<number, Promise<Uint8Array>>();
  private cachedBytes = 0;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private lastEnd = -1;
  private streak = 0;
  private closed = false;

  constructor(
    private readonly source: RangeSource,
    options: RangeReaderOptions = {},
  ) {
    this.blockSize = Math.max(4096, Math.floor(options.blockSize ?? MiB));
    this.cacheBytes = Math.max(this.blockSize, options.cacheBytes ?? 32 * MiB);
    this.maxReadahead = Math.max(0, options.maxReadahead ?? 8 * MiB);
    this.directThreshold = options.directThreshold ?? this.blockSize / 4;
    this.mergeGap = Math.max(0, options.mergeGap ?? 64 * 1024);
    this.maxRequest = Math.max(this.blockSize, options.maxRequest ?? 64 * MiB);
  }

  get size(): number {
    return this.source.size;
  }

  get byteLength(): number {
    return this.source.size;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, Math.floor(position));
    return this.readRange(start, Math.min(this.size, start + Math.max(0, Math.floor(length))));
  }

  async slice(start: number, end?: number): Promise<ArrayBuffer> {
    const [s, e] = resolveRange(this.size, start, end);
    const bytes = await this.readRange(s, e);
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
      return bytes.buffer as ArrayBuffer;
    return bytes.slice().buffer as ArrayBuffer;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.blocks.clear();
    this.cachedBytes = 0;
    await this.source.close?.();
  }

  private async readRange(start: number, end: number): Promise<Uint8Array> {
    if (this.closed) throw new FerryError("this reader is closed; open the file again");
    this.stats.reads++;
    if (end <= start) return new Uint8Array(0);
    this.streak = start === this.lastEnd ? this.streak + 1 : 0;
    this.lastEnd = end;

    const first = Math.floor(start / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    let covered = true;
    for (let b = first; b <= last && covered; b++) covered = this.blocks.has(b);
    if (covered) {
      this.stats.cacheHits++;
      return this.fromBlocks(start, end, first, last);
    }
    if (end - start >= this.directThreshold) return this.request(start, end);

    // Sequential reads grow a readahead window: one block ahead, then two, four… up to the cap.
    let through = last;
    if (this.streak > 0 && this.maxReadahead > 0) {
      const ahead = Math.min(this.maxReadahead, this.blockSize * 2 ** (this.streak - 1));
      const lastBlock = Math.floor((this.size - 1) / this.blockSize);
      through = Math.min(lastBlock, Math.floor((end - 1 + ahead) / this.blockSize));
    }
    for (let b = first; b <= through; b++) this.ensureBlock(b);
    this.evict(first, through);
    return this.fromBlocks(start, end, first, last);
  }

  private ensureBlock(index: number): void {
    const existing = this.blocks.get(index);
    if (existing) {
      // Touch: move to the young end of the LRU order.
      this.blocks.delete(index);
      this.blocks.set(index, existing);
      return;
    }
    const start = index * this.blockSize;
    const end = Math.min(this.size, start + this.blockSize);
    const promise = this.request(start, end);
    // A failed block is forgotten so the next read asks again.
    promise.catch(() => {
      if (this.blocks.get(index) === promise) {
        this.blocks.delete(index);
        this.cachedBytes -= end - start;
      }
    });
    this.blocks.set(index, promise);
    this.cachedBytes += end - start;
  }

  /** Drops the least recently used blocks past the budget, sparing the ones this read needs. */
  private evict(keepFrom: number, keepThrough: number): void {
    for (const index of this.blocks.keys()) {
      if (this.cachedBytes <= this.cacheBytes) return;
      if (index >= keepFrom && index <= keepThrough) continue;
      this.blocks.delete(index);
      const start = index * this.blockSize;
      this.cachedBytes -= Math.min(this.size, start + this.blockSize) - start;
    }
  }

  private async fromBlocks(start: number, end: number, first: number, last: number): Promise<Uint8Array> {
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.blocks.get(first + i) as Promise<Uint8Array>),
    );
    if (parts.length === 1) {
      const offset = first * this.blockSize;
      return (parts[0] as Uint8Array).subarray(start - offset, end - offset);
    }
    const out = new Uint8Array(end - start);
    for (const [i, part] of parts.entries()) {
      const blockStart = (first + i) * this.blockSize;
      const from = Math.max(start, blockStart);
      const to = Math.min(end, blockStart + part.length);
      out.set(part.subarray(from - blockStart, to - blockStart), from - start);
    }
    return out;
  }

  /** Queues `[start, end)`; everything queued in this tick goes out together, merged. */
  private request(start: number, end: number): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.push({ start, end, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.pending.sort((a, b) => a.start - b.start || a.end - b.end);
    this.pending = [];
    let group: Pending[] = [];
    let groupStart = 0;
    let groupEnd = 0;
    for (const p of queued) {
      const fits =
        group.length > 0 &&
        p.start <= groupEnd + this.mergeGap &&
        Math.max(groupEnd, p.end) - groupStart <= this.maxRequest;
      if (!fits) {
        if (group.length > 0) this.send(group, groupStart, groupEnd);
        group = [];
        groupStart = p.start;
        groupEnd = p.end;
      }
      group.push(p);
      groupEnd = Math.max(groupEnd, p.end);
    }
    if (group.length > 0) this.send(group, groupStart, groupEnd);
  }

  private send(group: Pending[], start: number, end: number): void {
    this.stats.requests++;
    this.source.fetch(start, end).then(
      (bytes) => {
        this.stats.bytesFetched += bytes.length;
        for (const p of group) p.resolve(bytes.subarray(p.start - start, p.end - start));
      },
      (error: unknown) => {
        for (const p of group) p.reject(error);
      },
    );
  }
}
