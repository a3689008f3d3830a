import type { ApiErrorBody, ApiErrorCode } from "@ferry/api";

/**
 * Every error the HTTP API answers, as `{ "error": { "code", "message" } }`. The message is written for the person
 * reading it (what happened, what to do) and never carries a token, a key or a secret.
 */
export type ErrorCode = ApiErrorCode;

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export const RECONNECT_HINT =
  "run `ferry integrations onedrive connect` or click Reconnect on the Integrations page";

export function notConnected(): HttpError {
  return new HttpError(
    404,
    "not_connected",
    `OneDrive is not connected for this Ferry user: ${RECONNECT_HINT.replace("Reconnect", "Connect OneDrive")}.`,
  );
}

export function needsReconnect(reason: string | null): HttpError {
  const why = reason ? ` Microsoft said: ${reason}` : "";
  return new HttpError(
    409,
    "needs_reconnect",
    `OneDrive needs reconnecting: Microsoft no longer accepts this connection's refresh token (revoked, expired or inactive); ${RECONNECT_HINT}.${why}`,
  );
}

export function refreshUnavailable(retryAfterSeconds: number, reason: string): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new HttpError(
    503,
    "refresh_unavailable",
    `Microsoft's sign-in service could not refresh the OneDrive token right now (${reason}); try again in ${seconds} s.`,
    { "retry-after": String(seconds) },
  );
}
