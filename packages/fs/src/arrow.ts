// Arrow IPC through apache-arrow: the file format (`.arrow`, Feather v2) and the stream format
// both read with one call; writing picks the file format unless told otherwise.

import { type Table, tableFromIPC, tableToIPC } from "apache-arrow";
import { isArrowTable, type Row, rowsToTable, tableToRows } from "./arrowRows.ts";
import { type CacheOption, resolveUrl } from "./registry.ts";
import type { FileInfo } from "./types.ts";

/**
 * `readArrow`'s options. `cache` is the local read cache for this call: `true` reads through it,
 * `false` not even when `FERRY_CACHE_DIR` is set; default: as the filesystem was made.
 */
export interface ReadArrowOptions extends CacheOption {
  as?: "rows" | "arrow";
}

/** The Arrow IPC file at `url` as row objects, or as the Arrow Table with `{ as: "arrow" }`. */
export function readArrow(url: string | URL, options: ReadArrowOptions & { as: "arrow" }): Promise<Table>;
export function readArrow<T = Row>(
  url: string | URL,
  options?: ReadArrowOptions & { as?: "rows" },
): Promise<T[]>;
export async function readArrow(
  url: string | URL,
  options: ReadArrowOptions = {},
): Promise<unknown[] | Table> {
  const { fs, path } = await resolveUrl(url, options);
  const table = tableFromIPC(await fs.cat(path));
  return options.as === "arrow" ? table : tableToRows(table);
}

/** Writes rows or an Arrow Table as Arrow IPC (`format: "file"`, the default, or `"stream"`). */
export async function writeArrow(
  url: string | URL,
  data: readonly Row[] | Table,
  options: { format?: "file" | "stream" } = {},
): Promise<FileInfo> {
  const table = isArrowTable(data) ? data : rowsToTable(data);
  const { fs, path } = await resolveUrl(url);
  return fs.writeFile(path, tableToIPC(table, options.format ?? "file"));
}
