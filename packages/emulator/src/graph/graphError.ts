import type { FastifyReply, FastifyRequest } from "fastify";
import type { GraphFault } from "../fault.ts";

/** Graph's error body: `{ error: { code, message, innerError: { code?, date, request-id, client-request-id } } }`. */
export function graphErrorBody(
  request: FastifyRequest,
  code: string,
  message: string,
  innerCode?: string,
  moreInner: Record<string, unknown> = {},
) {
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
        ...moreInner,
      },
    },
  };
}

export function sendGraphError(
  request: FastifyRequest,
  reply: FastifyReply,
  fault: GraphFault,
): FastifyReply {
  const { retryAfter, headers, innerCode, innerError } = fault.options;
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  for (const [k, v] of Object.entries(headers ?? {})) reply.header(k, v);
  return reply
    .code(fault.status)
    .header("content-type", "application/json")
    .send(graphErrorBody(request, fault.code, fault.message, innerCode, innerError));
}
