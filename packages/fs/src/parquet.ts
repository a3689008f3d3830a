// Parquet through hyparquet (reading) and hyparquet-writer (writing). Reading goes over the range
// reader: hyparquet asks for the footer, then only the column chunks of the requested columns and
// row groups, so a one-column read of a wide file moves that column's bytes and little else.
// Decompression: hyparquet-compressors (snappy, gzip, brotli, zstd, lz4). Compression when
// writing: snappy built into hyparquet-writer, gzip and brotli from node:zlib, zstd from
// @bokuweb/zstd-wasm (Node 20's zlib has no zstd; the package ships its wasm, nothing to build).

import { brotliCompressSync, gzipSync } from "node:zlib";
import { FerryError } from "@ferry/graph";
import { DataType, type Table } from "apache-arrow";
import {
  type FileMetaData,
  type ParquetQueryFilter,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { compressors as decompressors } from "hyparquet-compressors";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { columnNames, isArrowTable, type Row, rowsToTable, tableToRows } from "./arrowRows.ts";
import { resolveUrl } from "./registry.ts";
import type { FileInfo } from "./types.ts";

export type { ParquetQueryFilter } from "hyparquet";

export interface ReadParquetOptions {
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
  const { fs, path } = await resolveUrl(url);
  const file = await fs.open(path);
  try {
    const metadata = await parquetMetadataAsync(file);
    const rows = await parquetReadObjects({
      file,
      metadata,
      compressors: decompressors,
      ...(options.columns ? { columns: options.columns } : {}),
      ...(options.rowStart !== undefined ? { rowStart: options.rowStart } : {}),
      ...(options.rowEnd !== undefined ? { rowEnd: options.rowEnd } : {}),
      ...(options.filter ? { filter: options.filter } : {}),
    });
    if (options.as !== "arrow") return rows;
    const order = options.columns ?? parquetSchema(metadata).children.map((c) => c.element.name);
    return rowsToTable(rows, order);
  } finally {
    await file.close();
  }
}

/** The file's footer: schema, row groups, column chunk offsets and statistics. Reads only the footer. */
export async function readParquetMetadata(url: string | URL): Promise<FileMetaData> {
  const { fs, path } = await resolveUrl(url);
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
