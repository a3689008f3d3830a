// The public face of @ferry/graph.

export { OneDriveClient, type OneDriveClientOptions, type RequestOptions } from "./client.ts";
export type { DeltaResult } from "./delta.ts";
export {
  AuthError,
  ConflictError,
  FerryError,
  type FerryErrorCode,
  type FerryErrorOptions,
  GraphError,
  type GraphErrorInit,
  graphErrorFromResponse,
  IntegrityError,
  InvalidPathError,
  NotFoundError,
  parseRetryAfter,
  type RequestContext,
  redactSecrets,
  ThrottledError,
  UploadSessionGoneError,
} from "./errors.ts";
export { DEFAULT_GRAPH_URL } from "./graphCore.ts";
export { type IterateOptions, MAX_PAGE_SIZE } from "./listing.ts";
export { Pacer, type PacerOptions } from "./pacer.ts";
export {
  checkName,
  driveBase,
  encodeSegment,
  itemAction,
  itemPath,
  MAX_NAME_LENGTH,
  MAX_PATH_LENGTH,
  normalizePath,
} from "./paths.ts";
export { QuickXorHash, quickXorHash } from "./quickXorHash.ts";
export { type Download, DownloadLink, type DownloadOptions } from "./reader.ts";
export {
  DEFAULT_RETRY_OPTIONS,
  isRetryableStatus,
  isTransientNetworkError,
  type RetryDecision,
  type RetryInput,
  type RetryOptions,
  RetryPolicy,
} from "./retryPolicy.ts";
export type { FetchLike, RetryEvent, TokenSource, TransportStats } from "./transport.ts";
export { type ConflictBehavior, FRAGMENT_UNIT } from "./uploadSession.ts";
export type { UploadSource } from "./uploadSource.ts";
export { DEFAULT_CHUNK_SIZE, SIMPLE_UPLOAD_LIMIT, type UploadOptions } from "./writer.ts";
