import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GraphFault } from "../fault.ts";
import { sendGraphError } from "../graph/graphError.ts";
import type { EmulatorState } from "../state.ts";
import { serveDownload } from "./downloadRoute.ts";
import { cancelUpload, commitDeferred, getUploadStatus, putFragment } from "./uploadUrlRoute.ts";

type Handler<P> = (
  state: EmulatorState,
  request: FastifyRequest<{ Params: P }>,
  reply: FastifyReply,
) => Promise<unknown>;

/**
 * The file-transfer hosts: pre-authenticated download URLs (`/dl/`) and upload-session URLs
 * (`/up/`). Neither takes a bearer token; their errors use Graph's JSON shape.
 */
export function registerStorageRoutes(app: FastifyInstance, state: EmulatorState): void {
  const route = <P>(method: string | string[], url: string, handler: Handler<P>) =>
    app.route<{ Params: P }>({
      method,
      url,
      handler: async (request, reply) => {
        try {
          return await handler(state, request, reply);
        } catch (err) {
          if (!(err instanceof GraphFault)) throw err;
          // A body cut off mid-fragment leaves no one to answer.
          if (reply.raw.destroyed || reply.sent) return reply;
          return sendGraphError(request, reply, err);
        }
      },
    });
  route(["GET", "HEAD"], "/dl/:token", serveDownload);
  route("PUT", "/up/:sessionId", putFragment);
  route("GET", "/up/:sessionId", getUploadStatus);
  route("DELETE", "/up/:sessionId", cancelUpload);
  route("POST", "/up/:sessionId", commitDeferred);
}
