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
