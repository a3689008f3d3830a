// JSON and newline-delimited JSON. `readJson` parses a whole document; NDJSON is read line by line
// as the bytes arrive (`streamNdjson`), so a log of millions of records never sits in memory as text.

import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { FerryError } from "@ferry/graph";
import type { Table } from "apache-arrow";
import { isArrowTable, type Row, rowsToTable, tableToRows } from "./arrowRows.ts";
import { type CacheOption, resolveUrl } from "./registry.ts";
import type { FileInfo } from "./types.ts";

/**
 * `cache` is the local read cache for this call: `true` reads through it, `false` not even when
 * `FERRY_CACHE_DIR` is set; default: as the filesystem was made.
 */
export interface ReadJsonOptions extends CacheOption {
  /** `arrow` needs the document (or every NDJSON line) to be an object per row. */
  as?: "rows" | "arrow";
}

/** The parsed JSON document at `url` (a byte-order mark is dropped). */
export function readJson(url: string | URL, options: ReadJsonOptions & { as: "arrow" }): Promise<Table>;
export function readJson<T = unknown>(
  url: string | URL,
  options?: ReadJsonOptions & { as?: "rows" },
): Promise<T>;
export async function readJson(url: string | URL, options: ReadJsonOptions = {}): Promise<unknown> {
  const { fs, path } = await resolveUrl(url, options);
  // TextDecoder drops a UTF-8 BOM, which JSON.parse would otherwise reject.
  const text = new TextDecoder("utf-8").decode(await fs.cat(path));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FerryError(`${String(url)} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (options.as !== "arrow") return value;
  if (!Array.isArray(value))
    throw new FerryError(`${String(url)}: { as: "arrow" } needs a JSON array of row objects`);
  return rowsToTable(value as Row[]);
}

/**
 * Each line of an NDJSON file, parsed, as the bytes arrive. Blank lines are skipped. `cache`: the
 * local read cache for this call (`true`, or `false` even when `FERRY_CACHE_DIR` is set).
 */
export async function* streamNdjson<T = Row>(
  url: string | URL,
  options: CacheOption = {},
): AsyncGenerator<T> {
  const { fs, path } = await resolveUrl(url, options);
  const stream = fs.createReadStream(path);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const raw of lines) {
      n++;
      const line = n === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (line.trim() === "") continue;
      try {
        yield JSON.parse(line) as T;
      } catch (error) {
        throw new FerryError(`${String(url)} line ${n} is not valid JSON: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Every record of an NDJSON file, or an Arrow Table with `{ as: "arrow" }`. */
export function readNdjson(url: string | URL, options: ReadJsonOptions & { as: "arrow" }): Promise<Table>;
export function readNdjson<T = Row>(
  url: string | URL,
  options?: ReadJsonOptions & { as?: "rows" },
): Promise<T[]>;
export async function readNdjson(
  url: string | URL,
  options: ReadJsonOptions = {},
): Promise<unknown[] | Table> {
  const rows: unknown[] = [];
  for await (const row of streamNdjson(url, { cache: options.cache })) rows.push(row);
  return options.as === "arrow" ? rowsToTable(rows as Row[]) : rows;
}

/**
 * Writes `value` as a JSON document. An Arrow Table becomes an array of row objects; bigints
 * become numbers when exact, strings otherwise (JSON has no 64-bit integers).
 */
export async function writeJson(
  url: string | URL,
  value: unknown,
  options: { indent?: number } = {},
): Promise<FileInfo> {
  const { fs, path } = await resolveUrl(url);
  const data = isArrowTable(value) ? tableToRows(value) : value;
  return fs.writeFile(path, `${JSON.stringify(data, jsonSafe, options.indent)}\n`);
}

/** Writes one JSON line per row; an async iterable of rows is streamed. */
export async function writeNdjson(
  url: string | URL,
  rows: readonly unknown[] | Table | AsyncIterable<unknown>,
): Promise<FileInfo> {
  const { fs, path } = await resolveUrl(url);
  if (isArrowTable(rows) || Array.isArray(rows)) {
    const list = isArrowTable(rows) ? tableToRows(rows) : (rows as unknown[]);
    return fs.writeFile(path, list.map((r) => `${JSON.stringify(r, jsonSafe)}\n`).join(""));
  }
  const encoder = new TextEncoder();
  const lines = async function* () {
    for await (const row of rows as AsyncIterable<unknown>)
      yield encoder.encode(`${JSON.stringify(row, jsonSafe)}\n`);
  };
  return fs.pipe(path, Readable.from(lines(), { objectMode: false }));
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}
