// What a job imports: `onedriveConnect()`, the `fs` of the current connection, and everything of
// @ferry/graph (the client core) and @ferry/fs (filesystem, readers and writers).

import type { OneDriveFileSystem } from "@ferry/fs";
import { currentConnection } from "./connect.ts";

// The broker's answer to a token request, as the broker's API contract states it.
export type { MintedToken } from "@ferry/api";
export * from "@ferry/fs";
export * from "@ferry/graph";
export type { BrokerTokenSource } from "./brokerTokenSource.ts";
export { type ConnectOptions, currentConnection, OneDriveConnection, onedriveConnect } from "./connect.ts";
export {
  type BrokerCredentials,
  CREDENTIALS_FILE,
  ferryHome,
  findCredentials,
  writeCredentials,
} from "./credentials.ts";
export {
  clearSecretCache,
  type GetSecretOptions,
  getSecret,
  SECRET_CACHE_MS,
  SecretNotFoundError,
} from "./secrets.ts";
export { DUCKDB_VERSION } from "./sql/duckdb.ts";
export { SqlError, type SqlErrorCode } from "./sql/sqlError.ts";
export {
  type QueryOptions,
  query,
  type SqlColumn,
  type SqlResult,
  SqlSession,
  type SqlSessionOptions,
  type SqlStats,
} from "./sql/sqlSession.ts";
export { sqlEndsStatement } from "./sql/sqlTokens.ts";

/**
 * The `onedrive://` filesystem of the current connection (fsspec's method names: `ls`, `glob`,
 * `cat`, `put`, …). It connects from the environment on first use, and follows a later
 * `onedriveConnect()`.
 */
export const fs: OneDriveFileSystem = new Proxy({} as OneDriveFileSystem, {
  get(_, property) {
    const target = currentConnection().fs;
    const value: unknown = Reflect.get(target, property, target);
    return typeof value === "function" ? value.bind(target) : value;
  },
});
