// Parquet column projection for SQL. DuckDB reads local files only, so to move less than a whole
// Parquet file Ferry builds a local file DuckDB can read that holds only what the query can touch:
// the column chunks of the columns the SQL names, fetched by range, at their original offsets (the
// rest of the file is a hole), and a new footer that lists only those columns. DuckDB cannot reach
// a byte Ferry did not fetch, because nothing in the footer points there; a query that needs a
// column Ferry left out fails to bind, and is run again on the whole file.
//
// Which columns: DuckDB's own parser (`json_serialize_sql`) gives every column reference of the
// SELECT; a star, COLUMNS(…) or a NATURAL join (which may use any column) turns projection off, as
// does any statement DuckDB cannot serialize (COPY, CREATE, …). A name that is not in the file is
// ignored; a name that is, wherever it appears, keeps its column: more than needed, never less.

import { open } from "node:fs/promises";
import { type OneDriveFileSystem, RangeReader } from "@ferry/fs";
import { FerryError } from "@ferry/graph";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { type ColumnChunk, type FileMetaData, parquetMetadataAsync, type SchemaElement } from "hyparquet";
import { ByteWriter } from "hyparquet-writer";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import pLimit from "p-limit";

const PARQUET_READERS = new Set(["read_parquet", "parquet_scan"]);

export interface ProjectionPlan {
  /** Lower-cased names the SELECT refers to (columns, struct fields, aliases, tables: a superset). */
  names: Set<string>;
  /** `onedrive://` URLs that appear only as a Parquet file DuckDB scans (read_parquet('…') or FROM '….parquet'). */
  parquetUrls: Set<string>;
}

/**
 * What a statement needs, from DuckDB's parse tree, or undefined when any column may be needed.
 * `serialize` runs `json_serialize_sql` on the statement.
 */
export function projectionPlan(serialized: string): ProjectionPlan | undefined {
  let tree: unknown;
  try {
    tree = JSON.parse(serialized);
  } catch {
    return undefined;
  }
  if ((tree as { error?: boolean }).error !== false) return undefined;
  const names = new Set<string>();
  /** One-part column references: a table's name or alias used as a column is the whole row. */
  const bare = new Set<string>();
  const tables = new Set<string>(PARQUET_READERS);
  const eligible = new Map<string, number>();
  const seen = new Map<string, number>();
  let everything = false;
  const count = (map: Map<string, number>, url: string) => map.set(url, (map.get(url) ?? 0) + 1);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    if (n.class === "STAR" || n.ref_type === "NATURAL") everything = true;
    if (n.class === "COLUMN_REF" && Array.isArray(n.column_names)) {
      for (const name of n.column_names) names.add(String(name).toLowerCase());
      if (n.column_names.length === 1) bare.add(String(n.column_names[0]).toLowerCase());
    }
    if (
      typeof n.type === "string" &&
      typeof n.alias === "string" &&
      n.alias !== "" &&
      /TABLE|SUBQUERY|JOIN/.test(n.type)
    )
      tables.add(n.alias.toLowerCase());
    if (Array.isArray(n.using_columns))
      for (const name of n.using_columns) names.add(String(name).toLowerCase());
    if (n.class === "CONSTANT") {
      const value = (n.value as { value?: unknown } | undefined)?.value;
      if (typeof value === "string" && /^onedrive:\/\//i.test(value)) count(seen, value);
    }
    if (n.type === "BASE_TABLE" && typeof n.table_name === "string") tables.add(stem(n.table_name));
    if (n.type === "BASE_TABLE" && typeof n.table_name === "string" && /^onedrive:\/\//i.test(n.table_name)) {
      count(seen, n.table_name);
      if (/\.parquet$/i.test(n.table_name)) count(eligible, n.table_name);
    }
    if (n.type === "TABLE_FUNCTION") {
      const fn = n.function as { function_name?: string; children?: unknown[] } | undefined;
      if (PARQUET_READERS.has(String(fn?.function_name).toLowerCase())) {
        const first = fn?.children?.[0] as { class?: string; value?: { value?: unknown } } | undefined;
        const value = first?.class === "CONSTANT" ? first.value?.value : undefined;
        if (typeof value === "string" && /^onedrive:\/\//i.test(value)) count(eligible, value);
      }
    }
    for (const value of Object.values(n)) visit(value);
  };
  visit((tree as { statements?: unknown }).statements);
  // `SELECT t FROM 'x.parquet' t` (or to_json(t)) is every column of t, as a struct.
  if (everything || [...bare].some((name) => tables.has(name))) return undefined;
  const parquetUrls = new Set([...eligible].filter(([url, k]) => seen.get(url) === k).map(([url]) => url));
  return { names, parquetUrls };
}

/** What DuckDB names a table read from a path: the file name without its extension. */
function stem(path: string): string {
  const name = path.split("/").pop() ?? path;
  return name.replace(/\.[^.]*$/, "").toLowerCase();
}

/**
 * Writes to `target` a Parquet file with only the top-level columns named in `names`, fetching just
 * their column chunks. Returns the bytes fetched, or undefined when projection would keep every
 * column (the caller then uses the whole file through the cache).
 */
export async function projectParquet(
  fs: OneDriveFileSystem,
  path: string,
  expected: DriveItem,
  names: Set<string>,
  target: string,
): Promise<{ bytes: number } | undefined> {
  // Range reads straight from OneDrive, not through the whole-file cache, of the version expected.
  const link = await fs.client.openLink(path);
  if (link.item.id !== expected.id || (link.item.cTag ?? link.item.eTag) !== (expected.cTag ?? expected.eTag))
    throw new FerryError(`${path} changed on OneDrive while the query was being prepared; run it again`);
  const file = new RangeReader({ size: link.size, fetch: (start, end) => link.fetch(start, end) });
  try {
    const metadata = await parquetMetadataAsync(file);
    const fields = topLevelFields(metadata.schema);
    let kept = fields.filter((f) => names.has(f.element.name.toLowerCase()));
    if (kept.length === fields.length) return undefined;
    // count(*) alone names no column: keep the cheapest one, so the file still has rows to count.
    if (kept.length === 0) kept = [cheapest(fields, metadata)].filter((f): f is Field => f !== undefined);
    const keepLeaf = new Array<boolean>(fields.reduce((n, f) => n + f.leaves, 0)).fill(false);
    for (const f of kept) for (let i = f.firstLeaf; i < f.firstLeaf + f.leaves; i++) keepLeaf[i] = true;
    const root = metadata.schema[0] as SchemaElement;
    const pruned: FileMetaData = {
      ...metadata,
      schema: [
        { ...root, num_children: kept.length },
        ...kept.flatMap((f) => metadata.schema.slice(f.start, f.end)),
      ],
      row_groups: metadata.row_groups.map((rg) => {
        const columns = rg.columns.filter((_, i) => keepLeaf[i]).map(chunkOnly);
        return {
          ...rg,
          columns,
          total_byte_size: columns.reduce(
            (n, c) => n + BigInt(c.meta_data?.total_uncompressed_size ?? 0n),
            0n,
          ),
          total_compressed_size: columns.reduce(
            (n, c) => n + BigInt(c.meta_data?.total_compressed_size ?? 0n),
            0n,
          ),
        };
      }),
      // pyarrow's ARROW:schema would describe the columns left out.
      key_value_metadata: metadata.key_value_metadata?.filter((kv) => kv.key !== "ARROW:schema"),
    };
    const ranges = pruned.row_groups.flatMap((rg) => rg.columns.map(chunkRange));
    const out = await open(target, "w", 0o600);
    let bytes = 0;
    try {
      await out.write(new TextEncoder().encode("PAR1"), 0, 4, 0);
      const limit = pLimit(8);
      await Promise.all(
        ranges.map(([start, end]) =>
          limit(async () => {
            const chunk = await file.read(start, end - start);
            bytes += chunk.length;
            await out.write(chunk, 0, chunk.length, start);
          }),
        ),
      );
      const footerStart = file.size - 8 - metadata.metadata_length;
      const writer = new ByteWriter();
      // hyparquet-writer types the footer with its own copy of hyparquet's types: the same shape.
      writeMetadata(writer, pruned as unknown as Parameters<typeof writeMetadata>[1]);
      writer.appendBytes(new TextEncoder().encode("PAR1"));
      const footer = new Uint8Array(writer.getBuffer());
      await out.write(footer, 0, footer.length, footerStart);
      await out.truncate(footerStart + footer.length);
    } finally {
      await out.close();
    }
    return { bytes: bytes + metadata.metadata_length + 8 };
  } finally {
    await file.close();
  }
}

interface Field {
  element: SchemaElement;
  /** Its schema elements: [start, end). */
  start: number;
  end: number;
  /** Its leaf columns, as indexes into a row group's columns. */
  firstLeaf: number;
  leaves: number;
}

/** The root's children, each with its span of schema elements and of leaf columns. */
function topLevelFields(schema: SchemaElement[]): Field[] {
  const fields: Field[] = [];
  let at = 1;
  let leaf = 0;
  const root = schema[0] as SchemaElement;
  for (let k = 0; k < (root.num_children ?? 0); k++) {
    const start = at;
    let pending = 1;
    let leaves = 0;
    while (pending > 0) {
      const element = schema[at++] as SchemaElement;
      pending--;
      if (element.num_children) pending += element.num_children;
      else leaves++;
    }
    fields.push({ element: schema[start] as SchemaElement, start, end: at, firstLeaf: leaf, leaves });
    leaf += leaves;
  }
  return fields;
}

function cheapest(fields: Field[], metadata: FileMetaData): Field | undefined {
  const size = (f: Field) =>
    metadata.row_groups.reduce((n, rg) => {
      for (let i = f.firstLeaf; i < f.firstLeaf + f.leaves; i++)
        n += Number(rg.columns[i]?.meta_data?.total_compressed_size ?? 0n);
      return n;
    }, 0);
  return [...fields].sort((a, b) => size(a) - size(b))[0];
}

/**
 * The chunk's pages only: page indexes, bloom filters and statistics point at (or describe) bytes
 * Ferry does not fetch or re-encode, so they are left out; DuckDB then reads every row group of
 * the kept columns, which is what the chunks hold.
 */
function chunkOnly(c: ColumnChunk): ColumnChunk {
  const { offset_index_offset, offset_index_length, column_index_offset, column_index_length, ...chunk } = c;
  void offset_index_offset;
  void offset_index_length;
  void column_index_offset;
  void column_index_length;
  if (!chunk.meta_data) return chunk;
  const {
    statistics,
    bloom_filter_offset,
    bloom_filter_length,
    size_statistics,
    geospatial_statistics,
    ...meta
  } = chunk.meta_data;
  void statistics;
  void bloom_filter_offset;
  void bloom_filter_length;
  void size_statistics;
  void geospatial_statistics;
  return { ...chunk, meta_data: meta };
}

/** Bytes [start, end) of a column chunk: its dictionary page (if any) and data pages. */
function chunkRange(c: ColumnChunk): [number, number] {
  const meta = c.meta_data;
  if (!meta) return [0, 0];
  const data = Number(meta.data_page_offset);
  const dictionary = meta.dictionary_page_offset !== undefined ? Number(meta.dictionary_page_offset) : data;
  const start = Math.min(data, dictionary);
  return [start, start + Number(meta.total_compressed_size)];
}
