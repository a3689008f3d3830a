import type { FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context.ts";
import { guid } from "../secrets.ts";

/**
 * An error of the identity platform's token-side endpoints (`/token`, `/devicecode`). Handlers throw
 * it; the route wrapper turns it into Microsoft's error JSON. `code` is the AADSTS number: clients
 * branch on `error` (and MSAL on `suberror`, which turns an `invalid_grant` into its
 * InteractionRequiredAuthError), people read `error_description`, and support tools look up
 * `error_codes`.
 */
export class IdentityFault extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
    readonly suberror?: string,
  ) {
    super(message);
  }
}

/** Microsoft's `timestamp` format: `2016-01-09 02:02:12Z` (no `T`, no fraction). */
export function stsTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Diagnostics every AADSTS error carries. The correlation id echoes the client's
 * `client-request-id` as Microsoft does, so MSAL-style clients can match their logs.
 */
export interface ErrorDiagnostics {
  traceId: string;
  correlationId: string;
  timestamp: string;
}

/** Only the clock: chaos answers identity faults too, and must not import the whole state (a cycle). */
type ClockOnly = Pick<EmulatorContext, "clock">;

export function diagnosticsFor(state: ClockOnly, request: FastifyRequest): ErrorDiagnostics {
  const clientRequestId = request.headers["client-request-id"];
  return {
    traceId: String(request.id),
    correlationId:
      typeof clientRequestId === "string" && /^[0-9a-f-]{36}$/i.test(clientRequestId)
        ? clientRequestId
        : guid(),
    timestamp: stsTimestamp(state.clock.now()),
  };
}

/** `AADSTSnnnn: message` followed by the trace lines, exactly as Microsoft lays out `error_description`. */
export function describeError(code: number, message: string, d: ErrorDiagnostics): string {
  return `AADSTS${code}: ${message}\r\nTrace ID: ${d.traceId}\r\nCorrelation ID: ${d.correlationId}\r\nTimestamp: ${d.timestamp}`;
}

/** Microsoft's error lookup page for a code: documentation for the developer, never fetched by the emulator. */
export function errorUri(code: number): string {
  return `https://login.microsoftonline.com/error?code=${code}`;
}

export function identityErrorBody(fault: IdentityFault, d: ErrorDiagnostics) {
  return {
    error: fault.error,
    error_description: describeError(fault.code, fault.message, d),
    error_codes: [fault.code],
    timestamp: d.timestamp,
    trace_id: d.traceId,
    correlation_id: d.correlationId,
    error_uri: errorUri(fault.code),
    ...(fault.suberror !== undefined ? { suberror: fault.suberror } : {}),
  };
}

export function sendIdentityError(
  state: ClockOnly,
  request: FastifyRequest,
  reply: FastifyReply,
  fault: IdentityFault,
): FastifyReply {
  const d = diagnosticsFor(state, request);
  return reply
    .code(fault.status)
    .header("content-type", "application/json; charset=utf-8")
    .header("cache-control", "no-store, no-cache")
    .header("pragma", "no-cache")
    .header("x-ms-request-id", d.traceId)
    .send(identityErrorBody(fault, d));
}

/** A required form or query parameter is absent (Microsoft words it as "request body" for both). */
export function missingParameter(name: string): IdentityFault {
  return new IdentityFault(
    400,
    "invalid_request",
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );
}
