// When a failed Graph call may be tried again, and after how long. Pure: no timers, no I/O, so the
// client's retry loop stays small and every rule here is tested on its own.

import { GraphError } from "./errors.ts";

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** No retry starts once this much time has passed since the first attempt began. */
  maxElapsedMs: number;
  /** Upper bound of the first backoff; it doubles with each attempt. */
  baseDelayMs: number;
  /** Cap on a backoff delay (a server's Retry-After is honoured beyond it). */
  maxDelayMs: number;
  /** Source of jitter in [0, 1); inject a fixed one in tests. */
  random: () => number;
}

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 10,
  maxElapsedMs: 5 * 60_000,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  random: Math.random,
});

// 429 and 503 are Graph's throttling answers; 500, 502, 504 are transient gateway failures; 509
// (bandwidth limit exceeded) is what SharePoint-backed drives send under load. rclone retries the same.
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504, 509]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

// Socket-level failures worth another try. Node's fetch (undici) wraps them as
// `TypeError: fetch failed` (or `terminated` when the body was cut off) with the code on `cause`.
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  // Ferry's own code (FerryError) for a body that ended before the bytes it announced: a connection
  // cut mid-body that undici saw as a clean end.
  "closed_early",
]);

// Failures that happen before a single byte of the request reached the server, so even a
// non-idempotent call (POST createUploadSession, POST copy) can be repeated without doing it twice.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "EAI_AGAIN",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

// What browsers and Node put in the TypeError a failed fetch rejects with (no code there).
const NETWORK_MESSAGE =
  /^(fetch failed|failed to fetch|terminated|load failed|networkerror\b.*|network ?error.*)$/i;

/**
 * True for a network failure worth retrying: a reset, refused or timed-out connection, a body cut
 * off mid-read, or an abort that the caller did not ask for (a per-attempt timeout). An abort of the
 * caller's own `signal` is never retried.
 */
export function isTransientNetworkError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return false;
  return networkFailure(error) !== undefined;
}

/**
 * True for any failure to get an answer over the network, transient or not (a host that does not resolve
 * included): what the transport reports as `network_error` once the retries are spent.
 */
export function isNetworkFailure(error: unknown): boolean {
  if (networkFailure(error) !== undefined) return true;
  for (const e of causeChain(error))
    if (typeof e.code === "string" && UNREACHABLE_CODES.has(e.code)) return true;
  return false;
}

/** Hosts that do not resolve: not transient, but still no answer (a refused connection is transient). */
const UNREACHABLE_CODES = new Set(["ENOTFOUND", "EAI_NONAME"]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and the causes under it, outermost first (undici wraps the socket's error in `cause`). */
function* causeChain(error: unknown): Generator<ErrorLike> {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    yield current as ErrorLike;
    current = (current as ErrorLike).cause;
  }
}

function networkFailure(error: unknown): "notSent" | "maybeSent" | undefined {
  let found: "notSent" | "maybeSent" | undefined;
  for (const e of causeChain(error)) {
    if (typeof e.code === "string") {
      if (NOT_SENT_CODES.has(e.code)) return "notSent";
      if (TRANSIENT_CODES.has(e.code)) found = "maybeSent";
    }
    if (e.name === "AbortError" || e.name === "TimeoutError") found ??= "maybeSent";
    if (e.name === "TypeError" && typeof e.message === "string" && NETWORK_MESSAGE.test(e.message)) {
      found ??= "maybeSent";
    }
  }
  return found;
}

export interface RetryInput {
  /** Attempts made so far (1 after the first failure). */
  attempt: number;
  /** Milliseconds since the first attempt began. */
  elapsedMs: number;
  /** HTTP status of the failed response; taken from `error` when it is a GraphError. */
  status?: number | undefined;
  /** Seconds from Retry-After; taken from `error` when it is a GraphError. */
  retryAfter?: number | undefined;
  /** What the attempt threw, when it threw. */
  error?: unknown;
  /**
   * False for calls that must not run twice (POST). They are retried only when the server surely
   * did not act: a 429 (throttled requests are refused before they run) or a connection that was
   * never made. Defaults to true.
   */
  idempotent?: boolean | undefined;
  /** The caller's signal: once aborted, nothing is retried. */
  signal?: AbortSignal | undefined;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

export class RetryPolicy {
  readonly options: Readonly<RetryOptions>;

  constructor(options: Partial<RetryOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_RETRY_OPTIONS, ...options });
  }

  /**
   * Exponential backoff with full jitter (a uniform delay in [0, min(cap, base·2^(attempt−1)))),
   * which spreads out clients that failed together instead of having them retry in lockstep.
   */
  backoffMs(attempt: number): number {
    const { baseDelayMs, maxDelayMs, random } = this.options;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor(random() * ceiling);
  }

  decide(input: RetryInput): RetryDecision {
    const { maxAttempts, maxElapsedMs } = this.options;
    if (input.signal?.aborted) return { retry: false, reason: "aborted by the caller" };

    const graphError = input.error instanceof GraphError ? input.error : undefined;
    const status = input.status ?? (graphError && graphError.status !== 0 ? graphError.status : undefined);
    const retryAfter = input.retryAfter ?? graphError?.retryAfter;
    const idempotent = input.idempotent ?? true;

    if (status !== undefined) {
      if (!isRetryableStatus(status)) return { retry: false, reason: `HTTP ${status} is not retryable` };
      if (!idempotent && status !== 429) {
        return { retry: false, reason: `HTTP ${status} on a non-idempotent call may have taken effect` };
      }
    } else {
      const failure = networkFailure(input.error);
      if (failure === undefined) return { retry: false, reason: "not a transient failure" };
      if (!idempotent && failure !== "notSent") {
        return { retry: false, reason: "the non-idempotent request may have reached the server" };
      }
    }

    if (input.attempt >= maxAttempts)
      return { retry: false, reason: `gave up after ${input.attempt} attempts` };
    // Microsoft requires waiting at least Retry-After; retrying sooner only extends the throttling.
    const delayMs = retryAfter !== undefined ? Math.ceil(retryAfter * 1000) : this.backoffMs(input.attempt);
    if (input.elapsedMs + delayMs > maxElapsedMs) {
      return { retry: false, reason: `retrying would exceed the ${maxElapsedMs} ms retry budget` };
    }
    return { retry: true, delayMs };
  }
}
