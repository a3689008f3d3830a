// Errors of `query()` and `ferry sql`, with a stable `code`. A DuckDB error keeps DuckDB's own
// message (with its `LINE n:` excerpt and caret) and adds where in the SQL it points.

import { FerryError } from "@ferry/graph";

export type SqlErrorCode =
  /** DuckDB refused or failed the SQL: syntax, binding, types, a file it could not parse. */
  | "sql"
  /** `@duckdb/node-api` is not installed. */
  | "duckdbMissing"
  /** An `onedrive://` file the SQL names does not exist. */
  | "notFound"
  /** An `onedrive://` glob matched no file. */
  | "noMatch"
  /** An `onedrive://` path where Ferry cannot use one (a pattern as a COPY target, …). */
  | "unsupported";

export class SqlError extends FerryError {
  override name = "SqlError";
  readonly code: SqlErrorCode;
  /** 1-based line and column in the SQL as given, when DuckDB pointed at a place. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    message: string,
    code: SqlErrorCode,
    options: { cause?: unknown; line?: number | undefined; column?: number | undefined } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.line = options.line;
    this.column = options.column;
  }
}
