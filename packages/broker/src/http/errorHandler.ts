import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isDatabaseUnavailable } from "../databaseErrors.ts";
import { NeedsReconnect, NotConnected, RefreshUnavailable } from "../onedrive/connectionErrors.ts";
import { TooManyMicrosoftCalls } from "../onedrive/microsoftCallLimits.ts";
import { NotConfiguredError } from "../onedrive/microsoftIdentity.ts";
import { VaultError } from "../vault.ts";
import { HttpError } from "./httpError.ts";

/**
 * Turns every failure into `{ "error": { "code", "message" } }`. Whatever a client sends (malformed JSON, a huge
 * body, the wrong content type, unknown fields) ends in a 4xx that says what to fix; only the broker's own faults
 * are 5xx, and those never echo internals: the details go to the log, keyed by the request id.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toHttpError(error);
    if (known.status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.info({ errorCode: known.code, status: known.status }, "request refused");
    return reply.code(known.status).headers(known.headers).send(known.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new HttpError(
      404,
      "not_found",
      `There is no ${request.method} ${request.url.split("?")[0]?.slice(0, 200)} here; the API lives under /api/v1.`,
    );
    return reply.code(404).send(error.toBody());
  });
}

/** The one place where the broker's domain errors become HTTP statuses and API error codes. */
function toHttpError(error: FastifyError): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof NotConnected) return new HttpError(404, "not_connected", error.message);
  // 409: the request is fine, the stored connection is not; only the user signing in again resolves it.
  if (error instanceof NeedsReconnect) return new HttpError(409, "needs_reconnect", error.message);
  if (error instanceof RefreshUnavailable) {
    return new HttpError(503, "refresh_unavailable", error.message, {
      "retry-after": String(error.retryAfterSeconds),
    });
  }
  if (error instanceof TooManyMicrosoftCalls) {
    return new HttpError(429, "rate_limited", error.message, { "retry-after": String(error.waitSeconds) });
  }
  if (error instanceof NotConfiguredError) return new HttpError(503, "not_configured", error.message);
  if (error instanceof VaultError) {
    // A stored value that fails to decrypt was tampered with or moved to another row (its
    // authenticated data no longer matches), or its master key is gone. It is the broker's data that
    // is wrong, not the request; say so, without echoing the value.
    return new HttpError(
      500,
      "vault_unreadable",
      error.code === "unknown_key"
        ? `The stored OneDrive credentials were encrypted with master key ${error.keyId ?? "(unknown)"}, which this broker does not have: add it to FERRY_MASTER_KEY (after the newest key), or reconnect OneDrive.`
        : "The stored OneDrive credentials could not be decrypted (they were altered or copied from another record): disconnect and reconnect OneDrive.",
    );
  }
  if (isDatabaseUnavailable(error)) {
    return new HttpError(
      503,
      "database_unavailable",
      "The broker lost its database connection for a moment; nothing was changed. Retry in a second.",
      { "retry-after": "1" },
    );
  }
  if (error.validation !== undefined) return validationError(error);
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpError(
        413,
        "payload_too_large",
        "The request body is too large; the API takes small JSON bodies only.",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HttpError(
        415,
        "unsupported_media_type",
        "Send the body as JSON with `Content-Type: application/json` (or send no body).",
      );
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new HttpError(400, "invalid_request", "The Content-Length header does not match the body.");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new HttpError(400, "invalid_request", "The request body is not valid JSON.");
  }
  const status = error.statusCode;
  if (error instanceof SyntaxError || (status === 400 && /JSON/i.test(error.message))) {
    return new HttpError(400, "invalid_request", "The request body is not valid JSON.");
  }
  if (status !== undefined && status >= 400 && status < 500) {
    if (status === 404) return new HttpError(404, "not_found", "Not found.");
    if (status === 413) return new HttpError(413, "payload_too_large", "The request is too large.");
    if (status === 415)
      return new HttpError(415, "unsupported_media_type", "Unsupported content type; send JSON.");
    return new HttpError(status, "invalid_request", "The request is not valid.");
  }
  return new HttpError(
    500,
    "internal_error",
    "The broker hit an unexpected error; it is in the broker's log.",
  );
}

function validationError(error: FastifyError): HttpError {
  const first = error.validation?.[0];
  const where = error.validationContext ?? "request";
  const field = first?.instancePath ? first.instancePath.slice(1).replace(/\//g, ".") : "";
  if (first?.keyword === "additionalProperties") {
    const unknown = String((first.params as { additionalProperty?: unknown }).additionalProperty ?? "");
    return new HttpError(
      400,
      "invalid_request",
      `Unknown field "${unknown.slice(0, 100)}" in the ${where}${field ? ` at ${field}` : ""}; remove it.`,
    );
  }
  const what = field ? `${where} field "${field}"` : `the ${where}`;
  return new HttpError(
    400,
    "invalid_request",
    `Invalid ${what}: ${first?.message ?? "does not match the expected shape"}.`,
  );
}
