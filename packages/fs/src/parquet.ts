// Parquet through hyparquet (reading) and hyparquet-writer (writing). Reading goes over the range
// reader: hyparquet asks for the footer, then only the column chunks of the requested columns and
// row groups, so a one-column read of a wide file moves that column's bytes and little else.
// Decompression: hyparquet-compressors (snappy, gzip, brotli, zstd, lz4). Compression when
// writing: snappy built into hyparquet-writer, gzip and brotli from node:zlib, zstd from
// @bokuweb/zstd-wasm (Node 20's zlib has no zstd; the package ships its wasm, nothing to build).

import { brotliCompressSync, gzipSync } from "node:zlib";
import { FerryError } from "@ferry/graph";
import { DataType, type RecordBatch, Table, type Vector } from "apache-arrow";
import {
  type FileMetaData,
  type ParquetQueryFilter,
  parquetMetadataAsync,
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
import { ParquetColumnBuilder } from "./parquetColumn.ts";
import { groupSpans, parquetGroups } from "./parquetGroups.ts";
import { type CacheOption, resolveUrl } from "./registry.ts";
import { type RowBatch, RowBatchIterator } from "./rowBatchIterator.ts";
import type { FileInfo, RandomAccessFile } from "./types.ts";

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
  const opened = await openParquet(url, options);
  const { file, metadata, names, first, last } = opened;
  try {
    if (options.as === "arrow" && !options.filter) {
      // Columns built a row group at a time, compact, with no rows in between.
      const builders = names.map((name) => new ParquetColumnBuilder(name));
      for await (const group of parquetGroups(file, metadata, names, first, last))
        for (const [c, values] of group.columns.entries()) builders[c]?.add(values);
      return new Table(
        Object.fromEntries(names.map((name, c) => [name, (builders[c] as ParquetColumnBuilder).finish()])),
      );
    }
    // Sized up front when every row in range comes back: growing by doubling would copy the array,
    // and leave the old one behind, twenty times over a million rows. A filter may keep few.
    const rows: Row[] = options.filter ? [] : new Array(Math.max(0, last - first));
    let filled = 0;
    for await (const batch of rowBatches(opened, options))
      for (let i = 0; i < batch.count; i++) rows[filled++] = batch.row(i);
    rows.length = filled;
    return options.as === "arrow" ? rowsToTable(rows, names) : rows;
  } finally {
    await file.close();
  }
}

/**
 * The rows of the Parquet file at `url`, one at a time, read a row group at a time: memory holds the
 * requested columns of one or two row groups and the row being handed over, whatever the file's
 * size. Takes `readParquet`'s options except `as`. Leaving the loop early closes the file.
 */
export function streamParquet<T = Row>(
  url: string | URL,
  options: Omit<ReadParquetOptions, "as"> = {},
): AsyncGenerator<T, undefined> {
  return new RowBatchIterator(openedRowBatches(url, options) as AsyncGenerator<RowBatch<T>>);
}

/** `rowBatches` of the file at `url`, which is closed when they end or the reader stops. */
async function* openedRowBatches(
  url: string | URL,
  options: Omit<ReadParquetOptions, "as">,
): AsyncGenerator<RowBatch<Row>> {
  const opened = await openParquet(url, options);
  try {
    yield* rowBatches(opened, options);
  } finally {
    await opened.file.close();
  }
}

/** The rows asked for, a row group at a time, each batch making its rows on demand. */
async function* rowBatches(
  { file, metadata, names, first, last }: OpenedParquet,
  options: Omit<ReadParquetOptions, "as">,
): AsyncGenerator<RowBatch<Row>> {
  if (options.filter) {
    for await (const part of filteredGroups(file, metadata, options.filter, options.columns, first, last))
      yield { count: part.length, row: (i) => part[i] as Row };
    return;
  }
  const makeRow = rowMaker();
  const count = names.length;
  for await (const { rowStart, rowEnd, columns } of parquetGroups(file, metadata, names, first, last)) {
    yield {
      count: rowEnd - rowStart,
      row: (i) => {
        // Fields set right after the constructor, in one order: every row gets one compact shape.
        const row = makeRow();
        for (let c = 0; c < count; c++) row[names[c] as string] = (columns[c] as ArrayLike<unknown>)[i];
        return row;
      },
    };
  }
}

/**
 * The Parquet file at `url` as Arrow record batches, one per row group, built from the decoded
 * column chunks without rows: for files too big to hold as one table. Columns are typed as
 * `readParquet(…, { as: "arrow" })` types them; a column whose values in a row group are all null
 * takes the type it had in the batches before (Utf8 when it has had none, as `rowsToTable` does).
 * Takes `readParquet`'s options except `filter` and `as`.
 */
export async function* streamParquetBatches(
  url: string | URL,
  options: Omit<ReadParquetOptions, "as" | "filter"> = {},
): AsyncGenerator<RecordBatch, undefined> {
  const { file, metadata, names, first, last } = await openParquet(url, options);
  try {
    const kinds: (string | undefined)[] = names.map(() => undefined);
    for await (const group of parquetGroups(file, metadata, names, first, last)) {
      const vectors = names.map((name, c) => {
        const builder = new ParquetColumnBuilder(name);
        const kind = kinds[c];
        const values = group.columns[c] as ArrayLike<unknown>;
        builder.add(values);
        kinds[c] ??= builder.valueKind;
        // All null here, typed before: nulls of that type, not Utf8.
        if (builder.valueKind === undefined && kind !== undefined) return allNull(kind, values.length, name);
        return builder.finish();
      });
      yield* new Table(Object.fromEntries(names.map((name, c) => [name, vectors[c] as Vector]))).batches;
    }
    return undefined;
  } finally {
    await file.close();
  }
}

/** `length` nulls typed as a column of `kind` values is typed. */
function allNull(kind: string, length: number, name: string): Vector {
  const example: Record<string, unknown> = {
    number: 0,
    bigint: 0n,
    string: "",
    boolean: false,
    date: new Date(0),
    binary: new Uint8Array(0),
  };
  if (!(kind in example)) return columnToVector(name, new Array(length).fill(null));
  // Typed from one value of the kind, which is then dropped.
  return columnToVector(name, [example[kind], ...new Array(length).fill(null)]).slice(1);
}

/** The names of the file's top-level columns, in file order. */
function topLevelNames(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** A Parquet file opened for reading, with its footer, the columns asked for and the rows `[first, last)`. */
interface OpenedParquet {
  file: RandomAccessFile;
  metadata: FileMetaData;
  names: string[];
  first: number;
  last: number;
}

/** The file at `url` opened for reading (see OpenedParquet); the caller closes it. */
async function openParquet(url: string | URL, options: ReadParquetOptions): Promise<OpenedParquet> {
  const { fs, path } = await resolveUrl(url, options);
  const file = await fs.open(path);
  try {
    const metadata = await parquetMetadataAsync(file);
    const names = options.columns ?? topLevelNames(metadata);
    const [first, last] = rowRange(metadata, options);
    return { file, metadata, names, first, last };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** `[rowStart, rowEnd)` of the options, clamped to the file. */
function rowRange(metadata: FileMetaData, options: ReadParquetOptions): [number, number] {
  const first = options.rowStart ?? 0;
  return [first, Math.min(options.rowEnd ?? Number.POSITIVE_INFINITY, Number(metadata.num_rows))];
}

/** With a filter, hyparquet's own row objects a row group at a time: it matches filters on them. */
async function* filteredGroups(
  file: RandomAccessFile,
  metadata: FileMetaData,
  filter: ParquetQueryFilter,
  columns: string[] | undefined,
  first: number,
  last: number,
): AsyncGenerator<Row[]> {
  for (const [rowStart, rowEnd] of groupSpans(metadata, first, last)) {
    yield await parquetReadObjects({
      file,
      metadata,
      compressors: decompressors,
      rowStart,
      rowEnd,
      filter,
      ...(columns ? { columns } : {}),
    });
  }
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
