// A Parquet file's requested columns, one row group at a time: every reader (rows, Arrow, the
// streams) is built on this, so what sits in memory at once is one or two row groups' column chunks
// and their decoded values, plus whatever the caller keeps. Given a whole file's range, hyparquet
// fetches every row group's chunks at once and decodes them all before handing any over: a
// one-column read of a 216 MB file then peaked at 270 MB. Only the requested columns' chunks are
// fetched (hyparquet's plan), each an exact range read.

import { type FileMetaData, parquetRead } from "hyparquet";
import { compressors as decompressors } from "hyparquet-compressors";
import type { RandomAccessFile } from "./types.ts";

/** One row group's slice of the requested columns, each holding exactly rows `[rowStart, rowEnd)`. */
export interface ParquetGroup {
  rowStart: number;
  rowEnd: number;
  /** In the order of the requested names. Typed arrays where hyparquet decodes into them. */
  columns: ArrayLike<unknown>[];
}

/**
 * The groups overlapping file rows `[first, last)`, in order. The next group is fetched and decoded
 * while the caller works on this one (one group ahead, no more), so on a slow link the round trip
 * of each group's range request hides behind the work on the one before.
 */
export async function* parquetGroups(
  file: RandomAccessFile,
  metadata: FileMetaData,
  names: string[],
  first: number,
  last: number,
): AsyncGenerator<ParquetGroup> {
  const spans = groupSpans(metadata, first, last);
  const read = ([rowStart, rowEnd]: [number, number]) => {
    const reading = readGroup(file, metadata, names, rowStart, rowEnd);
    // Awaited in turn below; a group read ahead and then left (the caller stopped) must not
    // surface as an unhandled rejection when the file is closed under it.
    reading.catch(() => undefined);
    return reading;
  };
  let next = spans[0] ? read(spans[0]) : undefined;
  for (let i = 0; next; i++) {
    const current = next;
    const following = spans[i + 1];
    next = following ? read(following) : undefined;
    yield await current;
  }
}

/** Each row group's share of file rows `[first, last)` as `[rowStart, rowEnd)`, in order; groups outside are left out. */
export function groupSpans(metadata: FileMetaData, first: number, last: number): [number, number][] {
  const spans: [number, number][] = [];
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const rowStart = Math.max(first, groupStart);
    const rowEnd = Math.min(last, groupEnd);
    groupStart = groupEnd;
    if (rowStart < rowEnd) spans.push([rowStart, rowEnd]);
  }
  return spans;
}

async function readGroup(
  file: RandomAccessFile,
  metadata: FileMetaData,
  names: string[],
  rowStart: number,
  rowEnd: number,
): Promise<ParquetGroup> {
  // Column chunks through onChunk, never hyparquet's rows: its rows are objects or arrays made per
  // row only to be copied into ours, garbage that made up most of a read's peak memory.
  const pieces: { start: number; data: ArrayLike<unknown> }[][] = names.map(() => []);
  await parquetRead({
    file,
    metadata,
    compressors: decompressors,
    rowStart,
    rowEnd,
    columns: names,
    onChunk: ({ columnName, columnData, rowStart: start }) => {
      pieces[names.indexOf(columnName)]?.push({ start, data: columnData });
    },
  });
  return { rowStart, rowEnd, columns: pieces.map((p) => exactly(p, rowStart, rowEnd)) };
}

/** A column's pieces (pages, possibly starting before `rowStart` or ending after `rowEnd`) as one array of exactly those rows. */
function exactly(
  pieces: { start: number; data: ArrayLike<unknown> }[],
  rowStart: number,
  rowEnd: number,
): ArrayLike<unknown> {
  pieces.sort((a, b) => a.start - b.start);
  const only = pieces.length === 1 ? pieces[0] : undefined;
  if (only && only.start <= rowStart && only.start + only.data.length >= rowEnd)
    return slice(only.data, rowStart - only.start, rowEnd - only.start);
  const count = rowEnd - rowStart;
  const typed = pieces.length > 0 && pieces.every((p) => p.data.constructor === pieces[0]?.data.constructor);
  const ctor = pieces[0]?.data.constructor as (new (n: number) => { [i: number]: unknown }) | undefined;
  // Pages of a required numeric column are typed arrays of one kind: join them into one.
  const out: { [i: number]: unknown; length: number } =
    typed && ctor && ArrayBuffer.isView(pieces[0]?.data)
      ? (new ctor(count) as { [i: number]: unknown; length: number })
      : new Array(count).fill(null);
  for (const { start, data } of pieces) {
    const from = Math.max(start, rowStart);
    const to = Math.min(start + data.length, rowEnd);
    for (let r = from; r < to; r++) out[r - rowStart] = data[r - start];
  }
  return out;
}

/** `data[from, to)`: the array itself when whole, a view for typed arrays, a copy for plain ones. */
function slice(data: ArrayLike<unknown>, from: number, to: number): ArrayLike<unknown> {
  if (from === 0 && to === data.length) return data;
  if (ArrayBuffer.isView(data)) return (data as unknown as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(data, from, to);
}
