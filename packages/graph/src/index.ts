// The public face of @ferry/graph. The HTTP client that uses these pieces arrives later.

export {
  AuthError,
  ConflictError,
  FerryError,
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
} from "./errors.ts";
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
export {
  DEFAULT_RETRY_OPTIONS,
  isRetryableStatus,
  isTransientNetworkError,
  type RetryDecision,
  type RetryInput,
  type RetryOptions,
  RetryPolicy,
} from "./retryPolicy.ts";
