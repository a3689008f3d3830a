// CSV through csv-parse and csv-stringify. Reading streams the file through the parser (a 500 MB
// file never sits in memory as bytes); `streamCsv` hands rows over one at a time for files whose
// rows should not all be held either. Defaults suit data files: a header row names the columns, a
// UTF-8 byte-order mark (Excel writes one) is dropped, empty lines are skipped.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Table } from "apache-arrow";
import { type Options as ParseOptions, parse } from "csv-parse";
import { type Options as StringifyOptions, stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { isArrowTable, type Row, rowsToTable, tableToRows } from "./arrowRows.ts";
import { resolveUrl } from "./registry.ts";
import type { FileInfo } from "./types.ts";

/** csv-parse's options (snake_case or camelCase), with Ferry's defaults, plus `as`. */
export type ReadCsvOptions = Omit<ParseOptions, "objname" | "on_record" | "onRecord" | "raw" | "info"> & {
  as?: "rows" | "arrow";
};

export type WriteCsvOptions = StringifyOptions;

const PARSE_DEFAULTS: ParseOptions = { columns: true, bom: true, skip_empty_lines: true };

/** Rows of the CSV file at `url`, one at a time, as the bytes arrive. */
export async function* streamCsv<T = Row>(
  url: string | URL,
  options: Omit<ReadCsvOptions, "as"> = {},
): AsyncGenerator<T> {
  const { fs, path } = await resolveUrl(url);
  const parser = parse({ ...PARSE_DEFAULTS, ...options });
  // pipeline destroys the parser with the source's error, so a failed download ends the loop with it.
  const done = pipeline(fs.createReadStream(path), parser);
  done.catch(() => undefined);
  for await (const row of parser) yield row as T;
  await done;
}

/** Every row of the CSV file at `url`, or an Arrow Table with `{ as: "arrow" }`. */
export function readCsv(url: string | URL, options: ReadCsvOptions & { as: "arrow" }): Promise<Table>;
export function readCsv<T = Row>(url: string | URL, options?: ReadCsvOptions & { as?: "rows" }): Promise<T[]>;
export async function readCsv(url: string | URL, options: ReadCsvOptions = {}): Promise<unknown[] | Table> {
  const { as, ...parseOptions } = options;
  const rows: unknown[] = [];
  for await (const row of streamCsv(url, parseOptions)) rows.push(row);
  return as === "arrow" ? rowsToTable(rows as Row[]) : rows;
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
