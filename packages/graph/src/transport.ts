// The one place a request leaves the client. Every call — Graph API, pre-authenticated download
// URL, upload-session URL, copy monitor — goes through `send`, so throttling, retries, token
// refresh and error mapping are written once.

import { type Answer, type BodyRequestInit, type BodyResponse, fetchBody, undiciBody } from "./bodyStream.ts";
import { FerryError, graphErrorFromResponse, parseRetryAfter, redactSecrets } from "./errors.ts";
import { Pacer } from "./pacer.ts";
import { isNetworkFailure, type RetryOptions, RetryPolicy } from "./retryPolicy.ts";

/**
 * Where access tokens come from. Asked with `forceRefresh` after Graph rejected a token with 401,
 * so a broker-backed source can mint a new one instead of returning its cached copy.
 */
export type TokenSource = (options?: { forceRefresh?: boolean; signal?: AbortSignal }) => Promise<string>;

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  token: TokenSource;
  fetch?: FetchLike;
  retry?: Partial<RetryOptions>;
  pacer?: Pacer;
  /** Called once per retry, for progress displays and figures (never receives a secret). */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  method: string;
  path: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface SendRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  /** What to name in errors: the drive path, or the URL (the query is redacted). */
  path?: string;
  headers?: HeadersInit;
  /**
   * The body, or a function that makes it afresh for each attempt. A stream can be sent once only,
   * so retried requests must pass bytes, a Blob, or a factory.
   */
  body?: BodyInit | (() => BodyInit) | null;
  /**
   * Send the Authorization header. False for pre-authenticated URLs: Microsoft's download and
   * upload-session URLs carry their own credentials, and an Authorization header can make the
   * upload host answer 401.
   */
  auth?: boolean;
  /** POST that must not run twice (see RetryPolicy). Defaults to true for every other method. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /**
   * Statuses returned to the caller rather than thrown as GraphError (e.g. 416 for a resumable
   * upload, 404 for exists()). Retryable statuses are still retried first.
   */
  accept?: (status: number) => boolean;
  /** Return every response as-is after retries (the client's `request()`), never throwing on status. */
  raw?: boolean;
  /** Follow redirects (default) or hand a 302 back (`manual`) — downloads need the Location. */
  redirect?: RequestRedirect;
}

/** Counters a client keeps for figures and tests. */
export interface TransportStats {
  requests: number;
  retries: number;
  throttles: number;
  tokenRefreshes: number;
}

export class Transport {
  readonly pacer: Pacer;
  readonly policy: RetryPolicy;
  readonly stats: TransportStats = { requests: 0, retries: 0, throttles: 0, tokenRefreshes: 0 };
  private readonly fetchImpl: FetchLike;
  /** Set when the caller gave its own fetch: then downloads go through it too. */
  private readonly customFetch: boolean;
  private readonly token: TokenSource;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: TransportOptions) {
    this.token = options.token;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.customFetch = options.fetch !== undefined;
    this.policy = new RetryPolicy(options.retry);
    this.pacer = options.pacer ?? new Pacer();
    this.onRetry = options.onRetry;
  }

  /** The current access token (the source caches; this does not force a refresh). */
  accessToken(signal?: AbortSignal): Promise<string> {
    return this.token(signal ? { signal } : undefined);
  }

  /**
   * Sends and reads the response within the same attempt. A connection reset in the middle of a
   * body is as transient as one before the headers, so it is retried the same way (for calls
   * that are safe to repeat).
   */
  async sendRead<T>(req: SendRequest, read: (response: Response) => Promise<T>): Promise<T> {
    return this.readWithRetry(req, () => this.send(req), read);
  }

  /**
   * `sendRead` over `sendForBody`: for a GET that a download makes before its bytes (the item and
   * its download URL), so it goes the way the bytes will, on the same connection, with none of
   * `fetch`'s WHATWG stream machinery for a small JSON body.
   */
  async sendReadBody<T>(req: SendRequest, read: (response: BodyResponse) => Promise<T>): Promise<T> {
    return this.readWithRetry(req, () => this.sendForBody(req), read);
  }

  private async readWithRetry<R extends Answer, T>(
    req: SendRequest,
    send: () => Promise<R>,
    read: (response: R) => Promise<T>,
  ): Promise<T> {
    const idempotent = req.idempotent ?? req.method.toUpperCase() !== "POST";
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const response = await send();
      try {
        return await read(response);
      } catch (error) {
        this.pacer.settled();
        const again =
          !(req.body instanceof ReadableStream) &&
          (await this.retryAfterBodyFailure({ ...req, attempt, started, idempotent, error }));
        if (!again) throw error;
      }
    }
  }

  /**
   * For a caller that reads a body and resumes it itself (a download reopens its range from the next
   * byte): decides whether the failure that cut the body off deserves another attempt and, if so, waits
   * as the policy says. Such retries are counted and reported to `onRetry` like every other.
   * Returns false when the caller should give up and throw.
   */
  async retryAfterBodyFailure(failure: {
    method: string;
    url: string;
    path?: string;
    /** This attempt's number, from 1. */
    attempt: number;
    /** When the first attempt started (Date.now()). */
    started: number;
    error: unknown;
    idempotent?: boolean;
    signal?: AbortSignal | undefined;
  }): Promise<boolean> {
    const method = failure.method.toUpperCase();
    const decision = this.policy.decide({
      attempt: failure.attempt,
      elapsedMs: Date.now() - failure.started,
      error: failure.error,
      idempotent: failure.idempotent ?? method !== "POST",
      signal: failure.signal,
    });
    if (!decision.retry) return false;
    await this.backoff(
      method,
      redactSecrets(failure.path ?? failure.url),
      failure.attempt,
      decision.delayMs,
      describe(failure.error),
      failure.signal,
    );
    return true;
  }

  async send(req: SendRequest): Promise<Response> {
    return this.exchange(req, (url, init) => this.fetchImpl(url, init));
  }

  /**
   * `send` for a response whose body the caller reads as chunks (downloads): through undici's
   * `dispatch`, which costs less CPU per byte than `fetch` (see bodyStream.ts), unless the client
   * was given its own `fetch`. Same pacing, retries and error mapping as `send`.
   */
  async sendForBody(req: SendRequest): Promise<BodyResponse> {
    if (this.customFetch)
      return fetchBody(await this.exchange(req, (url, init) => this.fetchImpl(url, init)));
    return this.exchange(req, (url, init) => undiciBody(url, init as BodyRequestInit));
  }

  private async exchange<R extends Answer>(
    req: SendRequest,
    call: (url: string, init: RequestInit) => Promise<R>,
  ): Promise<R> {
    const method = req.method.toUpperCase();
    const path = redactSecrets(req.path ?? req.url);
    const idempotent = req.idempotent ?? method !== "POST";
    const auth = req.auth ?? true;
    const started = Date.now();
    // A stream can be read once: such a request gets a single attempt, and the caller resumes.
    const replayable = !(req.body instanceof ReadableStream);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.pacer.ready(req.signal);
      let response: R;
      try {
        const headers = new Headers(req.headers);
        if (auth)
          headers.set(
            "authorization",
            `Bearer ${await this.token(refreshed ? { forceRefresh: true, ...sig(req.signal) } : sig(req.signal))}`,
          );
        const body = typeof req.body === "function" ? req.body() : req.body;
        this.stats.requests++;
        response = await call(req.url, {
          method,
          headers,
          body: body ?? null,
          signal: req.signal ?? null,
          redirect: req.redirect ?? "follow",
          // Node's fetch insists on this for streamed request bodies.
          ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
        } as RequestInit);
      } catch (error) {
        const decision = this.policy.decide({
          attempt,
          elapsedMs: Date.now() - started,
          error,
          idempotent,
          signal: req.signal,
        });
        if (!decision.retry) throw unreachable(error, method, req.path, req.url, auth, req.signal);
        // A streamed body cannot be sent again from here: the caller resumes it (an upload session's fragment).
        if (!replayable) throw error;
        await this.backoff(method, path, attempt, decision.delayMs, describe(error), req.signal);
        continue;
      }

      if (response.status === 401 && auth && !refreshed && replayable) {
        // An expired or revoked token: ask the source for a fresh one once, then try again.
        await response.body?.cancel();
        this.pacer.settled();
        refreshed = true;
        this.stats.tokenRefreshes++;
        continue;
      }
      const throttle = response.status === 429 || response.status === 503;
      if (!throttle) this.pacer.succeeded();
      if (response.ok || (response.status >= 300 && response.status < 400) || req.accept?.(response.status)) {
        return response;
      }
      if (throttle) {
        this.stats.throttles++;
        const retryAfter = retryAfterSeconds(response);
        // Microsoft's guidance: pause every request of this client, not just this one.
        this.pacer.throttled(retryAfter);
      }
      const decision = this.policy.decide({
        attempt,
        elapsedMs: Date.now() - started,
        status: response.status,
        retryAfter: retryAfterSeconds(response),
        idempotent,
        signal: req.signal,
      });
      if (decision.retry && replayable) {
        await response.body?.cancel();
        // For throttles the pacer already holds everyone back for Retry-After; the policy's delay
        // only adds backoff for failures that carried no Retry-After.
        const wait = response.status === 429 || response.status === 503 ? 0 : decision.delayMs;
        await this.backoff(method, path, attempt, wait, `HTTP ${response.status}`, req.signal);
        continue;
      }
      if (req.raw) return response;
      throw await graphErrorFromResponse(response, { method, path });
    }
  }

  private async backoff(
    method: string,
    path: string,
    attempt: number,
    delayMs: number,
    reason: string,
    signal?: AbortSignal,
  ) {
    this.stats.retries++;
    this.onRetry?.({ method, path, attempt, delayMs, reason });
    if (delayMs > 0) await sleep(delayMs, signal);
  }
}

function sig(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

function retryAfterSeconds(response: Answer): number | undefined {
  return parseRetryAfter(response.headers.get("retry-after"));
}

/**
 * A request that got no answer at all, once the retries are spent, said for people: which file, which host, and the socket's
 * code (`fetch failed` alone names neither). The original stays as `cause`, where the retry policy still finds it
 * (`networkFailure` walks causes), so a caller that resumes sees the same failure as before. The caller's own abort
 * and Ferry's own errors (the broker's, say) pass unchanged.
 */
function unreachable(
  error: unknown,
  method: string,
  path: string | undefined,
  url: string,
  graph: boolean,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted || error instanceof FerryError || !isNetworkFailure(error)) return error;
  const { origin } = new URL(url);
  // The file the call was for, when there is one (downloads and uploads), then where it went.
  const call = path ? `${method} ${redactSecrets(path)} to ${origin}` : `${method} to ${origin}`;
  // FERRY_GRAPH_URL moves Graph calls only; a pre-authenticated upload or download URL names its
  // own host (the one Graph handed out), so pointing there would only mislead.
  const hint = graph
    ? "check the network, and FERRY_GRAPH_URL if Graph is meant to be elsewhere"
    : "check the network; this is the file host Graph handed out for the transfer, so try again later";
  return new FerryError(`${call} got no answer: ${describe(error)}; ${hint}`, {
    code: "network_error",
    cause: error,
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return code ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
