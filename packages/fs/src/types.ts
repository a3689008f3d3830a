// The shapes shared by every filesystem: what `info` returns, the random-access reader, what can be
// written, and option objects. Kept apart so readers, writers and backends import types only.

import type { Readable } from "node:stream";

export type FileType = "file" | "directory";

/** What `info` and `ls(path, { detail: true })` return, shaped like fsspec's info dict. */
export interface FileInfo {
  /** The full path within this filesystem (no scheme): `data/q1.csv` on OneDrive, absolute locally. */
  name: string;
  /** Bytes. OneDrive reports a folder's size as the total of everything below it; local folders are 0. */
  size: number;
  type: FileType;
  mtime: Date | undefined;
  /** OneDrive's QuickXorHash (base64) for files; locally computed only by `checksum`. */
  hash?: string | undefined;
  /** The driveItem id on OneDrive. */
  id?: string | undefined;
  eTag?: string | undefined;
}

/**
 * A random-access view of one file. `byteLength` + `slice(start, end)` make it a hyparquet
 * `AsyncBuffer`, so Parquet readers fetch only the byte ranges they need.
 */
export interface RandomAccessFile {
  readonly size: number;
  readonly byteLength: number;
  /** Up to `length` bytes from `position` (fewer at the end of the file). */
  read(position: number, length: number): Promise<Uint8Array>;
  /** Bytes `[start, end)`; negative offsets count from the end, like `ArrayBuffer.slice`. */
  slice(start: number, end?: number): Promise<ArrayBuffer>;
  close(): Promise<void>;
}

export type WriteData = string | Uint8Array | ArrayBuffer | Blob;
export type ByteSource = Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface RangeOptions {
  /** First byte (negative: from the end). */
  start?: number | undefined;
  /** One past the last byte (negative: from the end), like `slice`. */
  end?: number | undefined;
}

export interface FindOptions {
  maxDepth?: number;
  /** Include folders in the result (default false: files only, like fsspec). */
  withDirs?: boolean;
}

export interface TransferOptions {
  /** Copy folders and everything below them. */
  recursive?: boolean;
  /**
   * Cancels the transfer: the promise rejects with the abort, a download leaves no partial local file, an upload's
   * session is deleted, and files not yet started are never started.
   */
  signal?: AbortSignal;
}
