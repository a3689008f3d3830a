// Row objects ⇄ Arrow tables, for every reader's `{ as: "arrow" }` and every writer that takes
// either. apache-arrow's own `tableFromJSON` reorders columns whose first value is null, turns every
// string column into a dictionary and gives Dates back as numbers; these two functions keep the
// columns in order, choose plain types, and give Dates back as Dates, so a round trip compares equal.

import { FerryError } from "@ferry/graph";
import {
  Binary,
  Bool,
  type DataType,
  DataType as DataTypes,
  Float64,
  Int64,
  Table,
  TimestampMillisecond,
  Utf8,
  type Vector,
  vectorFromArray,
} from "apache-arrow";

export type Row = Record<string, unknown>;

export function isArrowTable(value: unknown): value is Table {
  return value instanceof Table;
}

/** The column names of `rows`, in order of first appearance. */
export function columnNames(rows: readonly Row[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) names.add(key);
  return [...names];
}

/** An Arrow table of `rows`; `columns` fixes which columns and their order (default: all, as they appear). */
export function rowsToTable(rows: readonly Row[], columns: string[] = columnNames(rows)): Table {
  const vectors: Record<string, Vector> = {};
  for (const name of columns)
    vectors[name] = columnToVector(
      name,
      rows.map((r) => r[name]),
    );
  return new Table(vectors);
}

/** One column's values as a vector, typed as `rowsToTable` types it. */
export function columnToVector(name: string, column: readonly unknown[]): Vector {
  const values = column.map(normalizeMissing);
  const type = arrowTypeOf(name, values);
  return type ? vectorFromArray(values, type) : vectorFromArray(values);
}

/** Plain row objects from an Arrow table: Int64 as bigint, timestamps and dates as Date, nulls as null. */
export function tableToRows(table: Table): Row[] {
  const names = table.schema.fields.map((f) => f.name);
  const columns = table.schema.fields.map((field) => {
    const vector = table.getChild(field.name);
    if (!vector) return new Array<unknown>(table.numRows).fill(null);
    const temporal = DataTypes.isTimestamp(field.type) || DataTypes.isDate(field.type);
    return Array.from(vector as Iterable<unknown>, (v) => plain(v, temporal));
  });
  const rows: Row[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Row = {};
    for (const [c, name] of names.entries()) row[name] = (columns[c] as unknown[])[i];
    rows[i] = row;
  }
  return rows;
}

function plain(value: unknown, temporal: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (temporal && (typeof value === "number" || typeof value === "bigint")) return new Date(Number(value));
  // Structs, lists and maps come as Arrow row/vector proxies.
  if (
    typeof value === "object" &&
    "toJSON" in value &&
    typeof value.toJSON === "function" &&
    !(value instanceof Date)
  )
    return value.toJSON();
  return value;
}

function normalizeMissing(value: unknown): unknown {
  return value === undefined ? null : value;
}

function arrowTypeOf(name: string, values: unknown[]): DataType | undefined {
  let kind: string | undefined;
  for (const v of values) {
    if (v === null) continue;
    const k =
      typeof v === "number"
        ? "number"
        : typeof v === "string"
          ? "string"
          : typeof v === "boolean"
            ? "boolean"
            : typeof v === "bigint"
              ? "bigint"
              : v instanceof Date
                ? "date"
                : v instanceof Uint8Array
                  ? "binary"
                  : "other";
    if (kind === undefined) kind = k;
    else if (kind !== k) {
      throw new FerryError(
        `column ${JSON.stringify(name)} mixes ${kind} and ${k} values; Arrow needs one type per column`,
      );
    }
  }
  switch (kind) {
    case "number":
      // JS numbers are doubles; Float64 keeps every one exactly.
      return new Float64();
    case "string":
      return new Utf8();
    case "boolean":
      return new Bool();
    case "bigint":
      return new Int64();
    case "date":
      return new TimestampMillisecond();
    case "binary":
      return new Binary();
    case undefined:
      // All null: a nullable string column, as pandas and Polars would make.
      return new Utf8();
    default:
      // Objects and arrays: apache-arrow infers structs and lists.
      return undefined;
  }
}
