// A DuckDB result as an Arrow Table, column by column with the types DuckDB declared (not guessed
// from values): integers stay integers, BIGINT is Int64, DECIMAL and DOUBLE are Float64, DATE is
// DateDay, timestamps are milliseconds. Nested and exotic types (LIST, STRUCT, INTERVAL, UUID, …)
// become their JSON text, so nothing is silently dropped. @duckdb/node-api has no Arrow export and
// DuckDB's Arrow IPC writer is an extension not available offline, hence this mapping.

import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  Table,
  TimestampMillisecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
  vectorFromArray,
} from "apache-arrow";

/** DuckDB type ids (`DuckDBTypeId` in @duckdb/node-api), as numbers so this file does not load DuckDB. */
const ARROW_TYPES: Record<number, () => DataType> = {
  1: () => new Bool(),
  2: () => new Int8(),
  3: () => new Int16(),
  4: () => new Int32(),
  5: () => new Int64(),
  6: () => new Uint8(),
  7: () => new Uint16(),
  8: () => new Uint32(),
  9: () => new Uint64(),
  10: () => new Float32(),
  11: () => new Float64(),
  12: () => new TimestampMillisecond(),
  13: () => new DateDay(),
  17: () => new Utf8(),
  18: () => new Binary(),
  19: () => new Float64(),
  20: () => new TimestampMillisecond(),
  21: () => new TimestampMillisecond(),
  22: () => new TimestampMillisecond(),
  23: () => new Utf8(),
  31: () => new TimestampMillisecond(),
};

export interface ResultColumn {
  name: string;
  /** DuckDB's type id. */
  typeId: number;
  values: unknown[];
}

export function columnsToTable(columns: ResultColumn[]): Table {
  const vectors: Record<string, Vector> = {};
  for (const column of columns) {
    const make = ARROW_TYPES[column.typeId];
    if (make) {
      vectors[column.name] = vectorFromArray(column.values.map(plain), make());
    } else if ((column.typeId === 16 || column.typeId === 32) && column.values.every(fitsInt64)) {
      // HUGEINT (what sum() of BIGINT gives) as Int64 when every value fits, which is the usual case.
      vectors[column.name] = vectorFromArray(column.values, new Int64());
    } else {
      vectors[column.name] = vectorFromArray(
        column.values.map((v) => (v === null || v === undefined ? null : jsonText(v))),
        new Utf8(),
      );
    }
  }
  return new Table(vectors);
}

function plain(value: unknown): unknown {
  return value === undefined ? null : value;
}

function fitsInt64(value: unknown): boolean {
  return (
    value === null || value === undefined || (typeof value === "bigint" && BigInt.asIntN(64, value) === value)
  );
}

function jsonText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
