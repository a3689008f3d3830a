// Parquet through hyparquet (reading) and hyparquet-writer (writing). Reading goes over the range
// reader: hyparquet asks for the footer, then only the column chunks of the requested columns and
// row groups, so a one-column read of a wide file moves that column's bytes and little else.
// Decompression: hyparquet-compressors (snappy, gzip, brotli, zstd, lz4). Compression when
// writing: snappy built into hyparquet-writer, gzip and brotli from node:zlib, zstd from
// @bokuweb/zstd-wasm (Node 20's zlib has no zstd; the package ships its wasm, nothing to build).

import { brotliCompressSync, gzipSync } from "node:zlib";
import { FerryError } from "@ferry/graph";
import { DataType, makeVector, Table, type Vector } from "apache-arrow";
import {
  type FileMetaData,
  type ParquetQueryFilter,
  parquetMetadataAsync,
  parquetRead,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { compressors as decompressors } from "hyparquet-compressors";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import {
  columnNames,
  columnToVector,
  isArrowTable,
  type Row,
  rowsToTable,
  tableToRows,
} from "./arrowRows.ts";
import { type CacheOption, resolveUrl } from "./registry.ts";
import type { FileInfo } from "./types.ts";

export type { ParquetQueryFilter } from "hyparquet";

/**
 * `cache` is the local read cache for this call: `true` reads the cached whole file (fetched once,
 * then one metadata request per read), `false` range-reads even when `FERRY_CACHE_DIR` is set;
 * default: as the filesystem was made.
 */
export interface ReadParquetOptions extends CacheOption {
  /** Columns to read (default all). Only their column chunks are fetched. */
  columns?: string[];
  /** First row (inclusive) and last row (exclusive) of the file to read; other row groups are not fetched. */
  rowStart?: number;
  rowEnd?: number;
  /**
   * Keep only rows matching a MongoDB-style filter, e.g. `{ pop: { $gt: 1e6 } }` or
   * `{ $or: [...] }`. Row groups whose statistics rule a match out are not fetched.
   * `rowStart`/`rowEnd` select file rows before the filter applies.
   */
  filter?: ParquetQueryFilter;
  as?: "rows" | "arrow";
}

export type ParquetCodec = "UNCOMPRESSED" | "SNAPPY" | "GZIP" | "BROTLI" | "ZSTD";

export interface WriteParquetOptions {
  /** Compression (default SNAPPY). */
  codec?: ParquetCodec;
  /** Rows per row group (default: hyparquet-writer's, 1,000 then 100,000). */
  rowGroupSize?: number | number[];
  /** Min/max statistics per column chunk, which let filtered reads skip row groups (default true). */
  statistics?: boolean;
  /** Target page size in bytes (default 1 MiB). */
  pageSize?: number;
  /** Column order (default: as the rows or table have them). */
  columns?: string[];
}

/** Rows of the Parquet file at `url`, or an Arrow Table with `{ as: "arrow" }`. */
export function readParquet(url: string | URL, options: ReadParquetOptions & { as: "arrow" }): Promise<Table>;
export function readParquet<T = Row>(
  url: string | URL,
  options?: ReadParquetOptions & { as?: "rows" },
): Promise<T[]>;
export async function readParquet(
  url: string | URL,
  options: ReadParquetOptions = {},
): Promise<unknown[] | Table> {
  const { fs, path } = await resolveUrl(url, options);
  const file = await fs.open(path);
  try {
    const metadata = await parquetMetadataAsync(file);
    const names = options.columns ?? parquetSchema(metadata).children.map((c) => c.element.name);
    const makeRow = rowMaker();
    // `as: "arrow"` builds columns from hyparquet's column chunks without rows (not with a filter,
    // which hyparquet applies to its row objects).
    const arrow = options.as === "arrow" && !options.filter;
    const parts: ArrayLike<unknown>[][] = names.map(() => []);
    const first = options.rowStart ?? 0;
    const last = Math.min(options.rowEnd ?? Number.POSITIVE_INFINITY, Number(metadata.num_rows));
    // Sized up front (unless a filter will keep only some rows): growing by doubling would copy
    // the array, and leave the old one behind, twenty times over a million rows.
    const rows: Row[] = options.filter ? [] : new Array(Math.max(0, last - first));
    let filled = 0;
    // One row group at a time. Given the whole range, hyparquet fetches every row group's column
    // chunks at once and decodes them all before making a row, so a one-column read of a 216 MB
    // file peaked at 270 MB; a group at a time holds one group's chunks and its decoded values.
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      const rowStart = Math.max(first, groupStart);
      const rowEnd = Math.min(last, groupEnd);
      groupStart = groupEnd;
      if (rowStart >= rowEnd) continue;
      if (options.filter) {
        // hyparquet matches filters on its own row objects.
        const part = await parquetReadObjects({
          file,
          metadata,
          compressors: decompressors,
          rowStart,
          rowEnd,
          filter: options.filter,
          ...(options.columns ? { columns: options.columns } : {}),
        });
        // A loop, not push(...part): spreading a 100,000-row group would overflow the stack.
        for (const row of part) rows[filled++] = row;
        continue;
      }
      // Column chunks, not hyparquet's rows: its rows are objects or arrays made per row only to
      // be copied into ours, garbage that made up most of the read's peak memory.
      const chunks: { column: number; start: number; data: ArrayLike<unknown> }[] = [];
      await parquetRead({
        file,
        metadata,
        compressors: decompressors,
        rowStart,
        rowEnd,
        columns: names,
        onChunk: ({ columnName, columnData, rowStart: start }) => {
          chunks.push({ column: names.indexOf(columnName), start, data: columnData });
        },
      });
      if (arrow) {
        // Arrow wanted: keep the column chunks, make no rows.
        for (const { column, start, data } of chunks) {
          const from = Math.max(start, rowStart) - start;
          const to = Math.min(start + data.length, rowEnd) - start;
          if (to > from) (parts[column] as ArrayLike<unknown>[]).push(slice(data, from, to));
        }
        continue;
      }
      // Each column as one array-like with its first row, in the order asked for.
      const columns = names.map((_, c) => {
        const mine = chunks.filter((k) => k.column === c).sort((a, b) => a.start - b.start);
        if (mine.length === 1) return mine[0] as { start: number; data: ArrayLike<unknown> };
        const data: unknown[] = [];
        for (const k of mine) for (let i = 0; i < k.data.length; i++) data.push(k.data[i]);
        return { start: mine[0]?.start ?? rowStart, data };
      });
      const count = names.length;
      for (let r = rowStart; r < rowEnd; r++) {
        // Fields set right after the constructor, in one order: every row gets one compact shape.
        const row = makeRow();
        for (let c = 0; c < count; c++) {
          const { start, data } = columns[c] as { start: number; data: ArrayLike<unknown> };
          row[names[c] as string] = data[r - start];
        }
        rows[filled++] = row;
      }
    }
    rows.length = filled;
    if (!arrow) return options.as === "arrow" ? rowsToTable(rows, names) : rows;
    return new Table(Object.fromEntries(names.map((name, c) => [name, partsToVector(name, parts[c] ?? [])])));
  } finally {
    await file.close();
  }
}

/** `data[from, to)`: a view for typed arrays, a copy for plain ones. */
function slice(data: ArrayLike<unknown>, from: number, to: number): ArrayLike<unknown> {
  if (from === 0 && to === data.length) return data;
  if (ArrayBuffer.isView(data)) return (data as unknown as Float64Array).subarray(from, to);
  return Array.prototype.slice.call(data, from, to);
}

/**
 * One column's chunks as a vector: doubles without nulls (hyparquet's Float64Array) go in as they
 * are; anything else is typed as `rowsToTable` types a column, so both ways agree.
 */
function partsToVector(name: string, parts: ArrayLike<unknown>[]): Vector {
  if (parts.length > 0 && parts.every((p) => p instanceof Float64Array)) {
    const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts as Float64Array[]) {
      all.set(p, at);
      at += p.length;
    }
    return makeVector(all);
  }
  const values: unknown[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) values.push(p[i]);
  return columnToVector(name, values);
}

/**
 * Makes plain row objects with the given fields, small: objects made by one constructor are sized
 * by V8 to the fields they end up with (in-object slack tracking), 32 bytes for a one-field row
 * where an object literal takes 56. Over a 1.35-million-row column that is 32 MB less. The
 * constructor's prototype is Object.prototype, so the rows are plain objects in every respect.
 */
function rowMaker(): () => Row {
  function ParquetRow() {}
  ParquetRow.prototype = Object.prototype;
  const Maker = ParquetRow as unknown as new () => Row;
  return () => new Maker();
}

/**
 * The file's footer: schema, row groups, column chunk offsets and statistics. Reads only the footer
 * (with `cache: true`, from the cached whole file).
 */
export async function readParquetMetadata(
  url: string | URL,
  options: CacheOption = {},
): Promise<FileMetaData> {
  const { fs, path } = await resolveUrl(url, options);
  const file = await fs.open(path);
  try {
    return await parquetMetadataAsync(file);
  } finally {
    await file.close();
  }
}

/** Writes rows or an Arrow Table as Parquet. The file is built in memory, then written in one go. */
export async function writeParquet(
  url: string | URL,
  data: readonly Row[] | Table,
  options: WriteParquetOptions = {},
): Promise<FileInfo> {
  const codec = options.codec ?? "SNAPPY";
  const columnData = isArrowTable(data)
    ? tableColumns(data, options.columns)
    : rowColumns(data, options.columns ?? columnNames(data));
  const bytes = parquetWriteBuffer({
    columnData,
    codec,
    compressors: await compressorsFor(codec),
    ...(options.rowGroupSize !== undefined ? { rowGroupSize: options.rowGroupSize } : {}),
    ...(options.statistics !== undefined ? { statistics: options.statistics } : {}),
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  const { fs, path } = await resolveUrl(url);
  return fs.writeFile(path, new Uint8Array(bytes));
}

type Compressor = (input: Uint8Array) => Uint8Array;

async function compressorsFor(codec: ParquetCodec): Promise<Partial<Record<ParquetCodec, Compressor>>> {
  switch (codec) {
    case "UNCOMPRESSED":
    case "SNAPPY":
      return {};
    case "GZIP":
      return { GZIP: (input) => new Uint8Array(gzipSync(input)) };
    case "BROTLI":
      return { BROTLI: (input) => new Uint8Array(brotliCompressSync(input)) };
    case "ZSTD": {
      const compress = await zstdCompress();
      // Level 3 is zstd's own default: most of the ratio at a fraction of the time of higher levels.
      return { ZSTD: (input) => compress(input, 3) };
    }
    default:
      throw new FerryError(
        `Parquet codec ${JSON.stringify(codec)} cannot be written; use UNCOMPRESSED, SNAPPY, GZIP, BROTLI or ZSTD`,
      );
  }
}

let zstdReady: Promise<(input: Uint8Array, level: number) => Uint8Array> | undefined;

/**
 * The wasm zstd compressor, instantiated once per process. Its `init()` must not run twice: a second
 * call re-instantiates the module in the background while its "ready" promise is already resolved,
 * and compressing in that window produces corrupt frames.
 */
function zstdCompress(): Promise<(input: Uint8Array, level: number) => Uint8Array> {
  zstdReady ??= import("@bokuweb/zstd-wasm").then(async (zstd) => {
    await zstd.init();
    return zstd.compress;
  });
  zstdReady.catch(() => {
    zstdReady = undefined;
  });
  return zstdReady;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Row objects as columns. Types are left to hyparquet-writer except where its guess loses data. */
function rowColumns(rows: readonly Row[], names: string[]): ColumnSource[] {
  return names.map((name) => {
    const data = rows.map((r) => r[name] ?? null);
    // hyparquet-writer calls any column of whole numbers INT32, which wraps values past ±2^31
    // (millisecond timestamps, ids); DOUBLE holds every JS number exactly.
    const wide = data.some(
      (v) => typeof v === "number" && Number.isInteger(v) && (v < INT32_MIN || v > INT32_MAX),
    );
    return wide ? { name, data, type: "DOUBLE", nullable: data.includes(null) } : { name, data };
  });
}

/** An Arrow Table's columns; null-free numeric columns pass their typed arrays through uncopied. */
function tableColumns(table: Table, names?: string[]): ColumnSource[] {
  const wanted = names ?? table.schema.fields.map((f) => f.name);
  let rows: Row[] | undefined;
  return wanted.map((name) => {
    const vector = table.getChild(name);
    if (!vector) throw new FerryError(`the table has no column ${JSON.stringify(name)}`);
    const type = vector.type as DataType;
    if (vector.nullCount === 0) {
      // Only plain numbers: timestamps, dates and decimals are int64s underneath but not INT64 columns.
      const values: unknown = vector.toArray();
      if (DataType.isFloat(type) && values instanceof Float64Array)
        return { name, data: values, type: "DOUBLE" };
      if (DataType.isFloat(type) && values instanceof Float32Array)
        return { name, data: values, type: "FLOAT" };
      if (DataType.isInt(type) && values instanceof Int32Array) return { name, data: values, type: "INT32" };
      if (DataType.isInt(type) && values instanceof BigInt64Array)
        return { name, data: values, type: "INT64" };
    }
    rows ??= tableToRows(table.select(wanted));
    return rowColumns(rows, [name])[0] as ColumnSource;
  });
}
