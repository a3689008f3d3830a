// Every failure the broker's API answers has one body: `{ "error": { "code", "message" } }`, with an HTTP status
// that fits. The code is stable (clients branch on it); the message is written for a person and never carries a
// token, a key or a secret.

/** The codes the broker answers today. Clients should treat an unknown code like its status class. */
export type ApiErrorCode =
  | "invalid_request"
  | "invalid_name"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unauthorized"
  | "forbidden"
  | "csrf_failed"
  | "rate_limited"
  | "not_found"
  | "not_connected"
  | "needs_reconnect"
  | "refresh_unavailable"
  | "provider_error"
  | "not_configured"
  | "conflict"
  | "invalid_secret_name"
  | "invalid_secret_value"
  | "secret_too_large"
  | "secret_not_found"
  | "secret_limit_reached"
  | "secret_write_only"
  | "vault_unreadable"
  | "database_unavailable"
  | "internal_error";

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    /** What failed and what to do, in one or two sentences. */
    message: string;
  };
}
