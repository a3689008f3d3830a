// The top-level verbs on URLs: whichever filesystem a URL resolves to (onedrive://, file://, a
// plain local path, a registered scheme), the same call reads or writes it.

import type { Readable } from "node:stream";
import { type CacheOption, resolveUrl } from "./registry.ts";
import type { ByteSource, FileInfo, RandomAccessFile, RangeOptions, WriteData } from "./types.ts";

/** A random-access reader (a hyparquet AsyncBuffer) over the file at `url`. */
export async function open(url: string | URL, options: CacheOption = {}): Promise<RandomAccessFile> {
  const { fs, path } = await resolveUrl(url, options);
  return fs.open(path);
}

/** The file's bytes, or `[start, end)` of them. */
export async function readFile(
  url: string | URL,
  range: RangeOptions & CacheOption = {},
): Promise<Uint8Array> {
  const { fs, path } = await resolveUrl(url, range);
  return fs.cat(path, { start: range.start, end: range.end });
}

/** The file as UTF-8 text (a byte-order mark is dropped). */
export async function readText(url: string | URL, options: CacheOption = {}): Promise<string> {
  return new TextDecoder("utf-8").decode(await readFile(url, options));
}

export async function writeFile(url: string | URL, data: WriteData): Promise<FileInfo> {
  const { fs, path } = await resolveUrl(url);
  return fs.writeFile(path, data);
}

/** A Node Readable of the file (or a range of it). */
export async function createReadStream(
  url: string | URL,
  range: RangeOptions & CacheOption = {},
): Promise<Readable> {
  const { fs, path } = await resolveUrl(url, range);
  return fs.createReadStream(path, { start: range.start, end: range.end });
}

/** Writes a stream to `url`; `size`, when known, lets OneDrive upload without spooling. */
export async function pipe(
  url: string | URL,
  source: ByteSource,
  options: { size?: number } = {},
): Promise<FileInfo> {
  const { fs, path } = await resolveUrl(url);
  return fs.pipe(path, source, options);
}
