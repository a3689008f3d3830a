// CSV. Reading goes through Ferry's own byte tokenizer (csvTokenizer.ts), which reads a file the
// way csv-parse does with the options data files use, about five times faster, and builds Arrow
// columns straight from the bytes; any other csv-parse option (comments, trimming, relaxations,
// a cast function, ...) is handed to csv-parse itself. Reading streams (a 500 MB file never sits in
// memory as bytes); `streamCsv` hands rows over one at a time and `streamCsvBatches` Arrow record
// batches. Defaults suit data files: a header row names the columns, a UTF-8 byte-order mark (Excel
// writes one) is dropped, empty lines are skipped. Writing goes through csv-stringify.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RecordBatch, Table } from "apache-arrow";
import { Table as ArrowTable } from "apache-arrow";
import { type Options as ParseOptions, parse } from "csv-parse";
import { type Options as StringifyOptions, stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { isArrowTable, type Row, rowsToTable, tableToRows } from "./arrowRows.ts";
import { type ColumnChunk, CsvColumnBuilder, chunkToBatch, csvSchema, settleTypes } from "./csvColumns.ts";
import { type CsvDialect, startsWithUtf16Bom, tokenSlices } from "./csvReader.ts";
import { CsvRowIterator } from "./csvRowIterator.ts";
import { CsvRowBuilder } from "./csvRows.ts";
import { CsvFormatError } from "./csvTokenizer.ts";
import { type CacheOption, resolveUrl } from "./registry.ts";
import type { FileInfo } from "./types.ts";

/**
 * csv-parse's options (snake_case or camelCase), with Ferry's defaults, plus `as` and `cache` (the
 * local read cache for this call: `true` reads through it, `false` not even when `FERRY_CACHE_DIR`
 * is set; default: as the filesystem was made). `cache` never reaches csv-parse, which rejects
 * options it does not know.
 */
export type ReadCsvOptions = Omit<ParseOptions, "objname" | "on_record" | "onRecord" | "raw" | "info"> & {
  as?: "rows" | "arrow";
} & CacheOption;

/** `streamCsvBatches`'s options: the reader's, plus rows per batch. */
export type CsvBatchOptions = Omit<ReadCsvOptions, "as"> & {
  /** Rows per record batch (default 65,536). */
  batchRows?: number;
};

export type WriteCsvOptions = StringifyOptions;

const PARSE_DEFAULTS: ParseOptions = { columns: true, bom: true, skip_empty_lines: true };
const DEFAULT_BATCH_ROWS = 65_536;

/** What Ferry's own reader needs, when `options` ask for nothing beyond it; else undefined. */
interface FastSettings {
  dialect: CsvDialect;
  cast: boolean;
  columns: boolean | string[];
}

/** The options Ferry's reader handles itself (both spellings); anything else goes to csv-parse. */
const FAST_KEYS = new Set([
  "columns",
  "bom",
  "skip_empty_lines",
  "skipEmptyLines",
  "cast",
  "delimiter",
  "quote",
  "escape",
  "encoding",
]);

function fastSettings(given: ParseOptions): FastSettings | undefined {
  // csv-parse reads camelCase keys as their snake_case twins, the later one winning; so do we.
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!FAST_KEYS.has(key)) return undefined;
    options[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  const byte = (value: unknown, fallback: string): number | undefined => {
    const text = value === undefined ? fallback : value;
    if (typeof text !== "string" || text.length !== 1) return undefined;
    const code = text.charCodeAt(0);
    return code < 128 && code !== 10 && code !== 13 ? code : undefined;
  };
  const delimiter = byte(options.delimiter, ",");
  const quote = byte(options.quote, '"');
  const escapeChar = byte(options.escape, typeof options.quote === "string" ? options.quote : '"');
  const { columns, cast, encoding } = options;
  const columnsOk =
    typeof columns === "boolean" || (Array.isArray(columns) && columns.every((c) => typeof c === "string"));
  if (
    delimiter === undefined ||
    quote === undefined ||
    escapeChar !== quote ||
    delimiter === quote ||
    !columnsOk ||
    (cast !== undefined && typeof cast !== "boolean") ||
    (encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8")
  )
    return undefined;
  const skip = options.skip_empty_lines;
  return {
    dialect: { delimiter, quote, skipEmptyLines: skip === true, bom: options.bom === true },
    cast: cast === true,
    columns: columns as boolean | string[],
  };
}

/**
 * The bytes of the file at `url`, as UTF-8. With `bom`, a file that starts with a UTF-16
 * little-endian byte-order mark is decoded from UTF-16 on the way, as csv-parse does.
 */
async function* fileBytes(url: string | URL, bom: boolean, cache: CacheOption): AsyncGenerator<Uint8Array> {
  const { fs, path } = await resolveUrl(url, cache);
  // Leaving this loop early (a `break` in the caller's) destroys the stream and ends the download.
  let utf16: TextDecoder | undefined;
  let first = true;
  const encoder = new TextEncoder();
  for await (const chunk of fs.createReadStream(path) as AsyncIterable<Uint8Array>) {
    if (first && chunk.length > 0) {
      first = false;
      if (bom && startsWithUtf16Bom(chunk)) utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });
    }
    yield utf16 ? encoder.encode(utf16.decode(chunk, { stream: true })) : chunk;
  }
  if (utf16) yield encoder.encode(utf16.decode());
}

/** Rows through csv-parse, for the options Ferry's reader leaves to it. */
async function* csvParseRows(
  source: AsyncIterable<Uint8Array>,
  options: ParseOptions,
): AsyncGenerator<unknown> {
  const parser = parse(options);
  // pipeline destroys the parser with the source's error, so a failed download ends the loop with it.
  const done = pipeline(Readable.from(source), parser);
  done.catch(() => undefined);
  for await (const row of parser) yield row;
  await done;
}

/** Rows, a slice's worth at a time (an array per slice). */
async function* rowSlices(
  url: string | URL,
  options: ParseOptions,
  cache: CacheOption,
): AsyncGenerator<unknown[]> {
  const settings: ParseOptions = { ...PARSE_DEFAULTS, ...options };
  const fast = fastSettings(settings);
  if (fast === undefined) {
    const { fs, path } = await resolveUrl(url, cache);
    let batch: unknown[] = [];
    for await (const row of csvParseRows(fs.createReadStream(path), settings)) {
      batch.push(row);
      if (batch.length === 4096) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    return;
  }
  const builder = new CsvRowBuilder({ cast: fast.cast, columns: fast.columns, quote: fast.dialect.quote });
  for await (const slice of tokenSlices(fileBytes(url, fast.dialect.bom, cache), fast.dialect)) {
    const rows = builder.rows(slice);
    if (rows.length) yield rows;
  }
}

/** Rows of the CSV file at `url`, one at a time, as the bytes arrive. */
export function streamCsv<T = Row>(
  url: string | URL,
  options: Omit<ReadCsvOptions, "as"> = {},
): AsyncGenerator<T, undefined> {
  const { cache, ...parseOptions } = options;
  const settings: ParseOptions = { ...PARSE_DEFAULTS, ...parseOptions };
  const fast = fastSettings(settings);
  if (fast === undefined) return csvParseStream(url, settings, { cache }) as AsyncGenerator<T, undefined>;
  const builder = new CsvRowBuilder({ cast: fast.cast, columns: fast.columns, quote: fast.dialect.quote });
  return new CsvRowIterator<T>(
    tokenSlices(fileBytes(url, fast.dialect.bom, { cache }), fast.dialect),
    builder,
  );
}

/** csv-parse's rows of the file at `url`. */
async function* csvParseStream(
  url: string | URL,
  settings: ParseOptions,
  cache: CacheOption,
): AsyncGenerator<unknown, undefined> {
  const { fs, path } = await resolveUrl(url, cache);
  yield* csvParseRows(fs.createReadStream(path), settings);
  return undefined;
}

/** Every row of the CSV file at `url`, or an Arrow Table with `{ as: "arrow" }`. */
export function readCsv(url: string | URL, options: ReadCsvOptions & { as: "arrow" }): Promise<Table>;
export function readCsv<T = Row>(url: string | URL, options?: ReadCsvOptions & { as?: "rows" }): Promise<T[]>;
export async function readCsv(url: string | URL, options: ReadCsvOptions = {}): Promise<unknown[] | Table> {
  const { as, cache, ...parseOptions } = options;
  if (as === "arrow") {
    const columnar = await readCsvColumns(url, parseOptions, { cache });
    if (columnar) return columnar;
  }
  const rows: unknown[] = [];
  for await (const slice of rowSlices(url, parseOptions, { cache })) for (const row of slice) rows.push(row);
  return as === "arrow" ? rowsToTable(rows as Row[]) : rows;
}

/**
 * The whole file as an Arrow Table built from the bytes, each column typed from all its values;
 * undefined when the options need csv-parse (the caller then converts rows).
 */
async function readCsvColumns(
  url: string | URL,
  options: ParseOptions,
  cache: CacheOption,
): Promise<Table | undefined> {
  const fast = fastSettings({ ...PARSE_DEFAULTS, ...options });
  if (fast === undefined || fast.columns !== true) return undefined;
  const builder = new CsvColumnBuilder(fast.cast, fast.dialect.quote, DEFAULT_BATCH_ROWS);
  const done: ColumnChunk[][] = [];
  for await (const slice of tokenSlices(fileBytes(url, fast.dialect.bom, cache), fast.dialect))
    done.push(...builder.add(slice));
  const last = builder.flush();
  if (last) done.push(last);
  const names = builder.names ?? [];
  const types = settleTypes(done, names.length, builder.types);
  const schema = csvSchema(names, types);
  return new ArrowTable(
    schema,
    done.map((chunk) => chunkToBatch(schema, chunk, types)),
  );
}

/**
 * The CSV file at `url` as Arrow record batches of `batchRows` rows, built from the bytes as they
 * arrive, for files too big to hold as one table. Column types come from the first batch (with
 * `cast`, Float64 for a column of numbers, else Utf8); a later value that breaks them is an error
 * (code `invalid_csv`, csvCode `CSV_TYPE_CHANGED`), as in Arrow's own CSV reader. Needs a header row (`columns: true`).
 */
export async function* streamCsvBatches(
  url: string | URL,
  options: CsvBatchOptions = {},
): AsyncGenerator<RecordBatch> {
  const { batchRows = DEFAULT_BATCH_ROWS, cache, ...parseOptions } = options;
  const settings = { ...PARSE_DEFAULTS, ...parseOptions };
  const fast = fastSettings(settings);
  if (fast === undefined || fast.columns !== true) {
    // csv-parse's options: batches of its rows.
    let rows: Row[] = [];
    for await (const slice of rowSlices(url, parseOptions, { cache })) {
      for (const row of slice) {
        rows.push(row as Row);
        if (rows.length === batchRows) {
          yield* rowsToTable(rows).batches;
          rows = [];
        }
      }
    }
    if (rows.length) yield* rowsToTable(rows).batches;
    return;
  }
  const builder = new CsvColumnBuilder(fast.cast, fast.dialect.quote, batchRows);
  let schema: ReturnType<typeof csvSchema> | undefined;
  let types: ("number" | "string")[] = [];
  let batches = 0;
  const batchOf = (chunk: ColumnChunk[]): RecordBatch => {
    if (schema === undefined) {
      types = settleTypes([chunk], chunk.length, builder.types);
      builder.types = types;
      schema = csvSchema(builder.names ?? [], types);
    }
    // A chunk filled before the first batch settled the types may still break them.
    const broken = chunk.findIndex((c, j) => types[j] === "number" && !c.numeric);
    if (broken >= 0) {
      throw new CsvFormatError(
        "CSV_TYPE_CHANGED",
        `CSV batch ${batches + 1}: column ${JSON.stringify(builder.names?.[broken])} held only numbers in the ` +
          "first batch but holds text here; read it with readCsv (which types columns from the whole file) or without cast",
      );
    }
    batches++;
    return chunkToBatch(schema, chunk, types);
  };
  for await (const slice of tokenSlices(fileBytes(url, fast.dialect.bom, { cache }), fast.dialect))
    for (const chunk of builder.add(slice)) yield batchOf(chunk);
  const last = builder.flush();
  if (last) yield batchOf(last);
}

/**
 * Writes rows (objects or arrays), an Arrow Table, or an async iterable of rows as CSV. Defaults:
 * a header row, dates as ISO 8601, booleans as `true`/`false`. An async iterable is streamed.
 */
export async function writeCsv(
  url: string | URL,
  data: readonly unknown[] | Table | AsyncIterable<unknown>,
  options: WriteCsvOptions = {},
): Promise<FileInfo> {
  const { fs, path } = await resolveUrl(url);
  const settings: StringifyOptions = {
    header: true,
    ...options,
    cast: {
      date: (d) => d.toISOString(),
      boolean: (b) => (b ? "true" : "false"),
      ...options.cast,
    },
  };
  if (isArrowTable(data) || Array.isArray(data)) {
    const rows = isArrowTable(data) ? tableToRows(data) : (data as unknown[]);
    return fs.writeFile(path, stringifySync(rows as Row[], settings));
  }
  const stringifier = stringify(settings);
  const feeding = pipeline(Readable.from(data as AsyncIterable<unknown>), stringifier);
  feeding.catch(() => undefined);
  const info = await fs.pipe(path, stringifier);
  await feeding;
  return info;
}
