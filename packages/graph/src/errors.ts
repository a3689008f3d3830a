// The errors @ferry/graph throws, and the one parser of Graph's documented error body.
// Messages are written for the person running the job: what failed, on which path, what to do next.

/**
 * The stable codes of Ferry's errors: programs branch on these, never on a message, which is for people and may
 * be reworded. The Python client (python/src/ferry_onedrive/errors.py) raises the same codes, and the README lists
 * them.
 */
export type FerryErrorCode =
  /** Any error without a more specific code. */
  | "ferry_error"
  | "invalid_path"
  | "not_found"
  | "conflict"
  | "access_denied"
  | "throttled"
  | "graph_error"
  | "hash_mismatch"
  | "upload_session_gone"
  /** A response body ended before the bytes it announced; retried like a dropped connection. */
  | "closed_early"
  /** The file changed on OneDrive between two reads of one download. */
  | "changed_while_reading"
  | "is_a_folder"
  | "not_a_folder"
  | "foreign_url"
  | "network_error"
  | "copy_failed"
  | "needs_reconnect"
  | "not_connected"
  | "unauthorized"
  | "broker_unreachable"
  | "broker_error"
  | "no_credentials"
  | "credentials_unsafe"
  | "credentials_invalid"
  /** The broker keeps no secret of that name for this user. */
  | "secret_not_found"
  /** A CSV file that does not parse; `csvCode` holds csv-parse's code for the same fault. */
  | "invalid_csv"
  /** DuckDB refused or failed the SQL (syntax, binding, types, a file it could not parse). */
  | "sql_error"
  /** `query()` was called where `@duckdb/node-api` is not installed. */
  | "duckdb_missing"
  /** An `onedrive://` glob in the SQL matched no file. */
  | "no_match"
  /** An `onedrive://` path where Ferry cannot use one (a pattern as a COPY target, …). */
  | "sql_unsupported";

export interface FerryErrorOptions extends ErrorOptions {
  code?: FerryErrorCode;
}

/**
 * Base of every error Ferry raises on purpose; `code` is stable, the message is for people. InvalidPathError
 * derives from this and not from GraphError: a refused path never reached Microsoft Graph, so it has no status,
 * request id or Retry-After, and code that retries or reports GraphErrors must never mistake it for a response.
 */
export class FerryError extends Error {
  override name = "FerryError";
  readonly code: FerryErrorCode;

  constructor(message: string, options?: FerryErrorOptions) {
    const { code, ...errorOptions } = options ?? {};
    super(message, "cause" in errorOptions ? errorOptions : undefined);
    this.code = code ?? (new.target as { defaultCode?: FerryErrorCode }).defaultCode ?? "ferry_error";
  }
}

export interface GraphErrorInit {
  /** HTTP status of the failed response; 0 when Ferry detected the failure after a successful one. */
  status: number;
  /** Graph's `error.code`, e.g. `itemNotFound`; `httpStatus<N>` when the body carried none. */
  graphCode: string;
  /** The most specific `innerError.code`, e.g. `nameContainsInvalidCharacters` or `fragmentOverlap`. */
  innerCode?: string | undefined;
  message: string;
  requestId?: string | undefined;
  date?: string | undefined;
  /** Seconds to wait before retrying, from Retry-After. */
  retryAfter?: number | undefined;
  /** The drive path or URL (query removed) the request addressed. */
  path?: string | undefined;
  cause?: unknown;
}

/** A failed Graph call, after retries: `code` is Ferry's stable code, `graphCode` Microsoft's. */
export class GraphError extends FerryError {
  static defaultCode: FerryErrorCode = "graph_error";
  override name = "GraphError";
  readonly status: number;
  /** Graph's `error.code`, e.g. `itemNotFound`; `httpStatus<N>` when the body carried none. */
  readonly graphCode: string;
  readonly innerCode: string | undefined;
  readonly requestId: string | undefined;
  readonly date: string | undefined;
  readonly retryAfter: number | undefined;
  readonly path: string | undefined;

  constructor(init: GraphErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.graphCode = init.graphCode;
    this.innerCode = init.innerCode;
    this.requestId = init.requestId;
    this.date = init.date;
    this.retryAfter = init.retryAfter;
    this.path = init.path;
  }
}

/** 404 `itemNotFound`. */
export class NotFoundError extends GraphError {
  static override defaultCode: FerryErrorCode = "not_found";
  override name = "NotFoundError";
}

/** 409 `nameAlreadyExists` and 412 `resourceModified` (a failed If-Match). */
export class ConflictError extends GraphError {
  static override defaultCode: FerryErrorCode = "conflict";
  override name = "ConflictError";
}

/** 429 and 503: Microsoft asks every caller to wait `retryAfter` seconds. */
export class ThrottledError extends GraphError {
  static override defaultCode: FerryErrorCode = "throttled";
  override name = "ThrottledError";
}

/** 401 (token rejected or expired) and 403 (no permission for the item or scope). */
export class AuthError extends GraphError {
  static override defaultCode: FerryErrorCode = "access_denied";
  override name = "AuthError";
}

/**
 * Transferred bytes whose QuickXorHash differs from the one the service reports. It is a GraphError
 * (status 0) so callers handle every failed transfer in one place, and it is never retried silently.
 */
export class IntegrityError extends GraphError {
  static override defaultCode: FerryErrorCode = "hash_mismatch";
  override name = "IntegrityError";
  readonly expectedHash: string;
  readonly actualHash: string;

  constructor(init: { path: string; expectedHash: string; actualHash: string; requestId?: string }) {
    const path = redactSecrets(init.path);
    super({
      status: 0,
      graphCode: "integrityMismatch",
      path,
      requestId: init.requestId,
      message:
        `${path}: QuickXorHash mismatch (OneDrive reports ${init.expectedHash}, the transferred bytes hash ` +
        `to ${init.actualHash}): the data was corrupted in transit; transfer it again`,
    });
    this.expectedHash = init.expectedHash;
    this.actualHash = init.actualHash;
  }
}

/**
 * The upload session is gone (404 on its URL) before the upload finished: it expired — Graph drops one that
 * sees no bytes for a while — or it was cancelled. `upload()` starts over by itself when it can read the source
 * again; this reaches the caller only for a one-pass stream, or when restarting kept failing.
 */
export class UploadSessionGoneError extends GraphError {
  static override defaultCode: FerryErrorCode = "upload_session_gone";
  override name = "UploadSessionGoneError";
}

/** A drive path or drive selector refused before any request (see paths.ts). */
export class InvalidPathError extends FerryError {
  static defaultCode: FerryErrorCode = "invalid_path";
  override name = "InvalidPathError";
  /** The offending path as given (or the drive selector). */
  readonly path: string;
  /** The rule it broke, e.g. `forbiddenCharacter`, `reservedName`, `dotDotSegment`, `pathIsTooLong`. */
  readonly rule: string;

  constructor(path: string, rule: string, reason: string) {
    super(`invalid OneDrive path ${JSON.stringify(path)}: ${reason}`);
    this.path = path;
    this.rule = rule;
  }
}

/**
 * Retry-After as seconds. Graph sends whole seconds, sometimes decimal seconds (`2.128`); RFC 9110
 * also allows an HTTP-date, which becomes the seconds left until it (0 if already past).
 * Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  // Date.parse also accepts loose formats; insist on a weekday-led date so "5s" or "-1" are not dates.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  // HTTP dates are always GMT; the obsolete asctime form omits the zone, which Date.parse would
  // otherwise read as local time.
  const at = Date.parse(/ (GMT|UTC)$/i.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - now) / 1000);
}

export interface RequestContext {
  method: string;
  /** The drive path or URL the request addressed. */
  path: string;
}

interface GraphErrorBody {
  code?: unknown;
  message?: unknown;
  innerError?: unknown;
  innererror?: unknown;
}

/**
 * Builds the right GraphError subclass from a failed Graph response, reading its body
 * `{ error: { code, message, innerError | innererror: { code, date, request-id, client-request-id } } }`.
 * Consumes the response body.
 */
export async function graphErrorFromResponse(
  response: Pick<Response, "status" | "text"> & { headers: { get(name: string): string | null } },
  context: RequestContext,
): Promise<GraphError> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // A body cut off mid-read still leaves a status worth reporting.
  }
  const error = parseErrorBody(text);
  const inner = innerErrors(error);
  const status = response.status;
  const graphCode = str(error?.code) ?? `httpStatus${status}`;
  const innerCode = inner.map((e) => str(e.code)).findLast((c) => c !== undefined);
  const requestId =
    inner.map((e) => str(e["request-id"])).find((v) => v !== undefined) ??
    response.headers.get("request-id") ??
    inner.map((e) => str(e["client-request-id"])).find((v) => v !== undefined) ??
    response.headers.get("client-request-id") ??
    undefined;
  const date =
    inner.map((e) => str(e.date)).find((v) => v !== undefined) ?? response.headers.get("date") ?? undefined;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  const path = redactSecrets(context.path);
  const graphMessage = redactSecrets(str(error?.message) ?? "").trim();

  const init: GraphErrorInit = {
    status,
    graphCode,
    innerCode,
    requestId,
    date,
    retryAfter,
    path,
    message: humanMessage({
      method: context.method.toUpperCase(),
      path,
      status,
      code: graphCode,
      innerCode,
      retryAfter,
      graphMessage,
      requestId,
    }),
  };
  switch (status) {
    case 401:
    case 403:
      return new AuthError(init);
    case 404:
      return new NotFoundError(init);
    case 409:
    case 412:
      return new ConflictError(init);
    case 429:
    case 503:
      return new ThrottledError(init);
    default:
      return new GraphError(init);
  }
}

function humanMessage(m: {
  method: string;
  path: string;
  status: number;
  code: string;
  innerCode: string | undefined;
  retryAfter: number | undefined;
  graphMessage: string;
  requestId: string | undefined;
}): string {
  const what = `${m.method} ${m.path}`;
  const wait = m.retryAfter === undefined ? "retry later" : `retry after ${formatSeconds(m.retryAfter)}`;
  let advice: string;
  switch (m.status) {
    case 400:
      advice =
        m.innerCode === "nameContainsInvalidCharacters"
          ? 'invalid name: OneDrive forbids " * : < > ? / \\ |, leading or trailing spaces and a trailing "."; rename it'
          : "invalid request: check the path and arguments";
      break;
    case 401:
      advice =
        "access token rejected or expired: reconnect OneDrive in Ferry, or check that the token source returns a current token";
      break;
    case 403:
      advice =
        "access denied: the signed-in account may not use this item, or the app lacks the Files.ReadWrite scope; reconnect with an account that has access";
      break;
    case 404:
      advice = "not found: check the path (and that its parent folders exist)";
      break;
    case 409:
      advice =
        "conflict: an item with that name already exists (OneDrive names ignore case); choose another name or the replace/rename conflict behaviour";
      break;
    case 410:
      advice = "gone: the delta token or session expired; start again without it (a full resync)";
      break;
    case 412:
      advice = "the item changed since it was read (eTag mismatch): read it again, then retry";
      break;
    case 413:
      advice = "request too large: send big files through an upload session";
      break;
    case 416:
      advice = "range not accepted: resume from the session's nextExpectedRanges";
      break;
    case 423:
      advice = "the item is locked (open or checked out elsewhere): close it and retry";
      break;
    case 429:
      advice = `throttled by Microsoft; ${wait}`;
      break;
    case 503:
      advice = `Microsoft Graph is unavailable or throttling; ${wait}`;
      break;
    case 507:
      advice = "OneDrive is full: free some space (empty the recycle bin) or add storage";
      break;
    default:
      advice =
        m.status >= 500
          ? `Microsoft Graph failed on its side (HTTP ${m.status}); ${wait}`
          : `refused by Microsoft Graph (HTTP ${m.status})`;
  }
  const codes = m.innerCode === undefined ? m.code : `${m.code}/${m.innerCode}`;
  const detail = m.graphMessage === "" ? codes : `${codes}: ${m.graphMessage}`;
  const id = m.requestId === undefined ? "" : ` (request-id ${m.requestId})`;
  return `${what} failed: ${advice} [${detail}]${id}`;
}

function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}

function parseErrorBody(text: string): GraphErrorBody | undefined {
  if (text === "") return undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body) && isRecord(body.error)) return body.error;
  } catch {
    // Proxies and gateways in front of Graph answer with HTML or plain text.
  }
  return undefined;
}

// Graph spells the nested object both `innerError` and `innererror`, and nests it recursively;
// the deepest code is the most specific one.
function innerErrors(error: GraphErrorBody | undefined): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let next: unknown = error?.innerError ?? error?.innererror;
  while (isRecord(next) && chain.length < 8) {
    chain.push(next);
    next = next.innerError ?? next.innererror;
  }
  return chain;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Removes credentials that can appear in a URL or message: pre-authenticated download and upload
 * URLs carry a `tempauth` token in their query, and a bearer token must never reach a log.
 */
export function redactSecrets(text: string): string {
  let out = text;
  const q = out.search(/[?#]/);
  if (/^https?:\/\//i.test(out) && q !== -1) out = `${out.slice(0, q)}?…`;
  return out
    .replace(/\b(Bearer\s+)[\w\-.~+/]+=*/gi, "$1[redacted]")
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, "[redacted]")
    .replace(/\b(tempauth|access_token|refresh_token|code|client_secret|sig)=[^&\s]+/gi, "$1=[redacted]");
}
