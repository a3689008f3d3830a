import type { FastifyReply, FastifyRequest } from "fastify";

export interface GraphErrorOptions {
  /** Goes to `innerError.code`, as Graph does for e.g. `fragmentOverlap` or `nameContainsInvalidCharacters`. */
  innerCode?: string;
  /** Seconds, sent as `Retry-After`; may be decimal as Graph's are. */
  retryAfter?: number;
  headers?: Record<string, string>;
}

/** Raised by handlers; the Graph error handler turns it into Graph's error JSON. */
export class GraphFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: GraphErrorOptions = {},
  ) {
    super(message);
  }
}

/** Graph's error body: `{ error: { code, message, innerError: { code?, date, request-id, client-request-id } } }`. */
export function graphErrorBody(request: FastifyRequest, code: string, message: string, innerCode?: string) {
  const clientRequestId = request.headers["client-request-id"];
  return {
    error: {
      code,
      message,
      innerError: {
        ...(innerCode ? { code: innerCode } : {}),
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": String(request.id),
        "client-request-id": typeof clientRequestId === "string" ? clientRequestId : String(request.id),
      },
    },
  };
}

export function sendGraphError(
  request: FastifyRequest,
  reply: FastifyReply,
  fault: GraphFault,
): FastifyReply {
  const { retryAfter, headers, innerCode } = fault.options;
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  for (const [k, v] of Object.entries(headers ?? {})) reply.header(k, v);
  return reply
    .code(fault.status)
    .header("content-type", "application/json")
    .send(graphErrorBody(request, fault.code, fault.message, innerCode));
}
