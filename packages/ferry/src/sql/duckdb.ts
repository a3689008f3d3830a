// DuckDB is an optional dependency: the `ferry` CLI installs it, the `ferry` client does not, and
// it is imported only when SQL first runs, so a job that never calls `query()` never loads its
// native binding (or pays for it at start-up).

import { SqlError } from "./sqlError.ts";

/** The `@duckdb/node-api` release Ferry is built and tested against (DuckDB 1.5.6; runs on Node 20). */
export const DUCKDB_VERSION = "1.5.6-r.1";

export type DuckDBModule = typeof import("@duckdb/node-api");

let loading: Promise<DuckDBModule> | undefined;

/** `@duckdb/node-api`, loaded once, or a one-line error saying how to install it. */
export function loadDuckDB(): Promise<DuckDBModule> {
  loading ??= importDuckDB("@duckdb/node-api");
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** Imports DuckDB from `specifier` (tests pass a missing one to see the error). */
export async function importDuckDB(specifier: string): Promise<DuckDBModule> {
  try {
    return (await import(specifier)) as DuckDBModule;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(specifier))
      throw new SqlError(
        `SQL needs DuckDB, which is not installed here: run \`npm install ${specifier}@${DUCKDB_VERSION}\` in your project (the ferry CLI comes with it)`,
        "duckdb_missing",
        { cause: error },
      );
    throw new SqlError(
      `DuckDB (${specifier}) is installed but failed to load: ${(error as Error).message}; reinstall it with \`npm install ${specifier}@${DUCKDB_VERSION}\``,
      "duckdb_missing",
      { cause: error },
    );
  }
}
