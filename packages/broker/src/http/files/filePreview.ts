// The explorer's preview of a data file: its first rows as a table, read with @ferry/fs's own readers, so the page
// shows what `readCsv("onedrive://…")` and friends would return. Only what the rows need is read: CSV and NDJSON
// stop streaming after the rows shown, Parquet reads the footer and then the first row group's column chunks only
// (hyparquet's unit of reading), and a JSON document (which must be parsed whole) is read only below a size limit.

import { randomBytes } from "node:crypto";
import type { Preview, PreviewColumn } from "@ferry/api";
import {
  OneDriveFileSystem,
  readJson,
  readParquet,
  readParquetMetadata,
  registerFileSystem,
  streamCsv,
  streamNdjson,
  unregisterFileSystem,
} from "@ferry/fs";
import { GraphError, type OneDriveClient } from "@ferry/graph";
import { HttpError } from "../httpError.ts";

export const PREVIEW_ROWS = 50;
/** A JSON document is parsed whole (JSON has no streaming row boundary); above this it is not previewed. */
export const MAX_JSON_PREVIEW_BYTES = 16 * 1024 * 1024;
/** CSV and NDJSON records longer than this stop the preview rather than fill the broker's memory. */
const MAX_RECORD_BYTES = 1024 * 1024;
/** Parquet: the first row group's column chunks are read; a group compressed larger than this is not previewed. */
export const MAX_PARQUET_GROUP_BYTES = 64 * 1024 * 1024;
const MAX_CELL_CHARS = 500;

type Format = "csv" | "parquet" | "json" | "ndjson";

const FORMATS: Record<string, Format> = {
  csv: "csv",
  parquet: "parquet",
  pq: "parquet",
  json: "json",
  ndjson: "ndjson",
  jsonl: "ndjson",
};

export function previewFormat(name: string): Format | undefined {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : FORMATS[name.slice(dot + 1).toLowerCase()];
}

/** The preview of the file at `path` (a normalised drive path) of `size` bytes, in the client's drive. */
export async function previewFile(client: OneDriveClient, path: string, size: number): Promise<Preview> {
  const format = previewFormat(path);
  if (format === undefined) {
    return {
      tabular: false,
      reason: "not_data",
      message:
        "Previews show CSV, Parquet, JSON and NDJSON files; this is none of them. Download it to look inside.",
    };
  }
  if (format === "json" && size > MAX_JSON_PREVIEW_BYTES) {
    return {
      tabular: false,
      reason: "too_large",
      message: `This JSON file is ${mib(size)}; a JSON document must be read whole, and previews stop at ${mib(MAX_JSON_PREVIEW_BYTES)}. Read it with readJson() in a job, or store records as NDJSON to preview them.`,
    };
  }
  // The readers resolve URLs through @ferry/fs's registry, which is process-wide; a scheme of this request's own
  // keeps concurrent previews of different users from ever sharing a filesystem (and so a token).
  const scheme = `ferry-preview-${randomBytes(8).toString("hex")}`;
  registerFileSystem(scheme, () => new PreviewFileSystem(client));
  const url = `${scheme}://${path}`;
  try {
    switch (format) {
      case "csv":
        return await fromRecords(
          format,
          streamCsv(url, { max_record_size: MAX_RECORD_BYTES }),
          inferTextType,
        );
      case "ndjson":
        return await fromRecords(format, streamNdjson(url), inferValueType);
      case "json":
        return await fromJson(url);
      case "parquet":
        return await fromParquet(url);
    }
  } catch (error) {
    // OneDrive or the connection failing is not the file's fault: the route reports those as such.
    if (error instanceof HttpError || error instanceof GraphError) throw error;
    return {
      tabular: false,
      reason: "not_tabular",
      message: `This file could not be read as ${format.toUpperCase()}: ${reasonOf(error)}`,
    };
  } finally {
    unregisterFileSystem(scheme);
  }
}

async function fromRecords(
  format: Format,
  records: AsyncGenerator<unknown>,
  typeOf: (values: unknown[]) => string,
): Promise<Preview> {
  const objects: Record<string, unknown>[] = [];
  let truncated = false;
  // Returning from the loop closes the generator, which stops the download: nothing past row 51 is fetched.
  for await (const record of records) {
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      return notTabular("its records are not objects with named fields");
    }
    if (objects.length === PREVIEW_ROWS) {
      truncated = true;
      break;
    }
    objects.push(record as Record<string, unknown>);
  }
  return table(format, objects, truncated, null, typeOf);
}

async function fromJson(url: string): Promise<Preview> {
  const document = await readJson(url);
  if (!Array.isArray(document)) {
    return notTabular(
      `the document is ${document === null ? "null" : typeof document}, not an array of records`,
    );
  }
  if (document.some((r) => r === null || typeof r !== "object" || Array.isArray(r))) {
    return notTabular("its array holds values that are not objects with named fields");
  }
  return table(
    "json",
    document.slice(0, PREVIEW_ROWS) as Record<string, unknown>[],
    document.length > PREVIEW_ROWS,
    document.length,
    inferValueType,
  );
}

async function fromParquet(url: string): Promise<Preview> {
  const metadata = await readParquetMetadata(url);
  const first = metadata.row_groups[0];
  const groupBytes =
    first?.columns.reduce((sum, c) => sum + Number(c.meta_data?.total_compressed_size ?? 0), 0) ?? 0;
  if (groupBytes > MAX_PARQUET_GROUP_BYTES) {
    return {
      tabular: false,
      reason: "too_large",
      message: `The first row group of this Parquet file is ${mib(groupBytes)} compressed; previews read at most ${mib(MAX_PARQUET_GROUP_BYTES)}. Read it with readParquet({ rowEnd }) in a job.`,
    };
  }
  const columns = parquetColumns(metadata.schema);
  const total = Number(metadata.num_rows);
  const rows = (await readParquet(url, {
    rowStart: 0,
    rowEnd: Math.min(PREVIEW_ROWS, total),
  })) as Record<string, unknown>[];
  return {
    tabular: true,
    format: "parquet",
    columns,
    rows: rows.map((row) => columns.map((c) => cell(row[c.name]))),
    truncated: total > PREVIEW_ROWS,
    totalRows: total,
  };
}

interface SchemaElement {
  name: string;
  type?: string;
  num_children?: number;
  converted_type?: string;
  logical_type?: { type: string };
}

/** The top-level columns of a flattened Parquet schema (nested groups count as one column), with their types. */
function parquetColumns(schema: readonly SchemaElement[]): PreviewColumn[] {
  const columns: PreviewColumn[] = [];
  let i = 1;
  const skip = (at: number): number => {
    let next = at + 1;
    for (let k = 0; k < (schema[at]?.num_children ?? 0); k++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    const element = schema[i] as SchemaElement;
    const type = element.num_children
      ? "struct"
      : (element.logical_type?.type ?? element.converted_type ?? element.type ?? "unknown");
    columns.push({ name: element.name, type: type.toLowerCase() });
    i = skip(i);
  }
  return columns;
}

function table(
  format: Format,
  objects: Record<string, unknown>[],
  truncated: boolean,
  totalRows: number | null,
  typeOf: (values: unknown[]) => string,
): Preview {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    for (const key of Object.keys(object)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  }
  if (objects.length > 0 && names.length === 0) return notTabular("its records have no fields");
  return {
    tabular: true,
    format,
    columns: names.map((name) => ({ name, type: typeOf(objects.map((o) => o[name])) })),
    rows: objects.map((o) => names.map((name) => cell(o[name]))),
    truncated,
    totalRows,
  };
}

/** CSV fields are text; the type shown is what every non-empty value of the first rows looks like. */
function inferTextType(values: unknown[]): string {
  const present = values.filter((v): v is string => typeof v === "string" && v !== "");
  if (present.length === 0) return "empty";
  if (present.every((v) => /^[+-]?\d+$/.test(v))) return "integer";
  if (present.every((v) => v.trim() !== "" && Number.isFinite(Number(v)))) return "number";
  if (present.every((v) => /^(true|false)$/i.test(v))) return "boolean";
  if (
    present.every((v) =>
      /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v),
    )
  ) {
    return "date";
  }
  return "string";
}

/** JSON values carry their type; a column mixing several says so. */
function inferValueType(values: unknown[]): string {
  const types = new Set<string>();
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === "number") types.add(Number.isInteger(v) ? "integer" : "number");
    else if (Array.isArray(v)) types.add("array");
    else types.add(typeof v);
  }
  if (types.size === 2 && types.has("integer") && types.has("number")) return "number";
  if (types.size === 0) return "null";
  return types.size === 1 ? [...types][0]! : "mixed";
}

function cell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  let text: string;
  if (typeof value === "string") text = value;
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === "object") {
    text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
  } else text = String(value);
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text;
}

/** The user's drive under this request's scheme: `ferry-preview-…://a/b.csv` is the drive path `a/b.csv`. */
class PreviewFileSystem extends OneDriveFileSystem {
  override normalize(path: string): string {
    return super.normalize(path.replace(PREVIEW_SCHEME, ""));
  }
}

const PREVIEW_SCHEME = /^ferry-preview-[0-9a-f]+:\/\//;

function notTabular(why: string): Preview {
  return { tabular: false, reason: "not_tabular", message: `This file is not a table: ${why}.` };
}

/** The reader's reason, without a URL carrying this request's private scheme. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ferry-preview-[0-9a-f]+:\/\//g, "onedrive://").slice(0, 300);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;
}
