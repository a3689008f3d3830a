import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { GraphFault } from "../fault.ts";

/** A refused admin call; becomes `{ error: { code, message } }` with its status. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): AdminError {
  return new AdminError(400, "invalidRequest", message);
}

/**
 * The admin scope's error handler. Drive rules raise GraphFault (a bad name, a full quota) and
 * keep their status and code here, so a seed fails the way the same upload through Graph would.
 */
export function sendAdminError(error: FastifyError | Error, _request: FastifyRequest, reply: FastifyReply) {
  const status =
    error instanceof AdminError || error instanceof GraphFault
      ? error.status
      : "statusCode" in error && typeof error.statusCode === "number"
        ? error.statusCode
        : 500;
  const code =
    error instanceof AdminError || error instanceof GraphFault
      ? error.code
      : status >= 500
        ? "internalError"
        : "invalidRequest";
  return reply.code(status).send({ error: { code, message: error.message } });
}
