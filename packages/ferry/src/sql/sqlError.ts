// Errors of `query()` and `ferry sql`, with a stable `code`. A DuckDB error keeps DuckDB's own
// message (with its `LINE n:` excerpt and caret) and adds where in the SQL it points.

import { FerryError } from "@ferry/graph";

/** The codes `query()` and `ferry sql` raise: Ferry's stable codes (see FerryErrorCode). */
export type SqlErrorCode = "sql_error" | "duckdb_missing" | "not_found" | "no_match" | "sql_unsupported";

export class SqlError extends FerryError {
  override name = "SqlError";
  declare readonly code: SqlErrorCode;
  /** 1-based line and column in the SQL as given, when DuckDB pointed at a place. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    message: string,
    code: SqlErrorCode,
    options: { cause?: unknown; line?: number | undefined; column?: number | undefined } = {},
  ) {
    super(message, options.cause === undefined ? { code } : { code, cause: options.cause });
    this.line = options.line;
    this.column = options.column;
  }
}
