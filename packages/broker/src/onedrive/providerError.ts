import * as client from "openid-client";

/**
 * What went wrong talking to Microsoft's token endpoint, sorted by what the broker must do about it:
 *
 * - `invalid_grant`: the grant is gone (revoked, expired, inactive, consent withdrawn, MFA now required). Retrying
 *   cannot help, and retrying forever is what turned one dead Nango connection into 60k failed refreshes a day; the
 *   connection becomes `needs_reconnect` and Microsoft is not asked again until the user reconnects.
 * - `transient`: network failures, timeouts, 5xx and 429. Retried with backoff, then answered 503 + Retry-After.
 * - `rejected`: any other refusal (a misconfigured app, a bad request). Not retried, not the user's fault.
 */
export type ProviderErrorKind = "invalid_grant" | "transient" | "rejected";

export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    readonly kind: ProviderErrorKind,
    /** The OAuth `error` (e.g. `invalid_grant`), or `network`, `timeout`, `http_503`…: a bounded label for metrics. */
    readonly reason: string,
    /** "AADSTS50173: The provided grant has expired…" when Microsoft said so; safe to show and store. */
    readonly detail: string,
    /** Seconds Microsoft asked us to wait (Retry-After), when it did. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(detail);
  }
}

/** OAuth errors that mean "this grant is dead, the user must sign in again". */
const DEAD_GRANT = new Set(["invalid_grant", "interaction_required", "consent_required", "login_required"]);
const TRANSIENT_OAUTH = new Set(["temporarily_unavailable", "server_error"]);
// Microsoft's error_description runs to several lines of diagnostics (trace and correlation ids, timestamps).
const MAX_DETAIL = 300;

/** Turns whatever openid-client or fetch threw into a ProviderError; never includes a token. */
export function classifyProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof client.ResponseBodyError) {
    const retryAfter = retryAfterOf(error.response);
    const detail = describeOAuthError(error.error, error.error_description);
    if (error.status === 429 || error.status >= 500 || TRANSIENT_OAUTH.has(error.error)) {
      return new ProviderError("transient", error.error, detail, retryAfter);
    }
    if (DEAD_GRANT.has(error.error)) return new ProviderError("invalid_grant", error.error, detail);
    return new ProviderError("rejected", boundedLabel(error.error), detail);
  }
  if (error instanceof client.ClientError) {
    const response = error.cause instanceof Response ? error.cause : undefined;
    if (response !== undefined) {
      const transient = response.status === 429 || response.status >= 500;
      return new ProviderError(
        transient ? "transient" : "rejected",
        `http_${response.status}`,
        `the token endpoint answered HTTP ${response.status} without an OAuth error`,
        retryAfterOf(response),
      );
    }
    if (error.code === "OAUTH_TIMEOUT" || error.code === "OAUTH_ABORT") {
      return new ProviderError("transient", "timeout", "the token endpoint did not answer in time");
    }
    return new ProviderError(
      "rejected",
      "invalid_response",
      `unexpected token endpoint response: ${error.message}`,
    );
  }
  if (
    error instanceof TypeError ||
    (error instanceof Error && /fetch failed|ECONN|socket/i.test(error.message))
  ) {
    return new ProviderError("transient", "network", "could not reach Microsoft's token endpoint");
  }
  if (error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new ProviderError("transient", "timeout", "the token endpoint did not answer in time");
  }
  return new ProviderError("rejected", "unexpected", "unexpected error while talking to the token endpoint");
}

/** "AADSTS50173: The provided grant has expired…", trimmed to its first sentence-ish part. */
export function describeOAuthError(error: string, description: string | undefined): string {
  const firstLine = (description ?? "").split(/\r?\n/)[0]?.trim() ?? "";
  const text = firstLine === "" ? error : `${error}: ${firstLine}`;
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/** The AADSTS code in an error description, e.g. "AADSTS70008", if there is one. */
export function aadstsCode(text: string): string | undefined {
  return /AADSTS\d+/.exec(text)?.[0];
}

function retryAfterOf(response: Response | undefined): number | undefined {
  const header = response?.headers.get("retry-after");
  if (header === null || header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** OAuth error codes come from the server; only well-formed short ones become metric labels. */
function boundedLabel(error: string): string {
  return /^[a-z_]{1,40}$/.test(error) ? error : "other";
}
