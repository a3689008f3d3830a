import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { accountById } from "../accounts.ts";
import { GraphFault } from "../fault.ts";
import { rawPathAfter, rawQuery } from "../http.ts";
import { checkAccessToken } from "../identity/accessToken.ts";
import type { EmulatorState } from "../state.ts";
import { type GraphTarget, parseGraphPath } from "./addressing.ts";
import { createChildFolder, listChildren } from "./children.ts";
import { downloadContent, uploadContent } from "./content.ts";
import { startCopy } from "./copy.ts";
import { delta } from "./delta.ts";
import type { GraphCall, GraphHandler } from "./graphCall.ts";
import { sendGraphError } from "./graphError.ts";
import { deleteItem, getItem, updateItem } from "./items.ts";
import { getDrive, getMe } from "./me.ts";
import { refuseUnsupportedOptions } from "./unsupportedOptions.ts";
import { createUploadSession } from "./uploadSession.ts";

const GRAPH_PREFIX = "/v1.0/";

type Route = {
  method: string;
  kind: GraphTarget["kind"];
  action?: string;
  scope: "read" | "write" | "user";
  handler: GraphHandler<never>;
};

/** Graph v1.0 routes the emulator serves: (method, what the URL names, action) → handler. */
const ROUTES: Route[] = [
  { method: "GET", kind: "me", scope: "user", handler: getMe },
  { method: "GET", kind: "drive", scope: "read", handler: getDrive },
  { method: "GET", kind: "item", scope: "read", handler: getItem },
  { method: "PATCH", kind: "item", scope: "write", handler: updateItem },
  { method: "DELETE", kind: "item", scope: "write", handler: deleteItem },
  { method: "GET", kind: "item", action: "children", scope: "read", handler: listChildren },
  { method: "POST", kind: "item", action: "children", scope: "write", handler: createChildFolder },
  { method: "GET", kind: "item", action: "content", scope: "read", handler: downloadContent },
  { method: "PUT", kind: "item", action: "content", scope: "write", handler: uploadContent },
  {
    method: "POST",
    kind: "item",
    action: "createUploadSession",
    scope: "write",
    handler: createUploadSession,
  },
  { method: "POST", kind: "item", action: "copy", scope: "write", handler: startCopy },
  { method: "GET", kind: "item", action: "delta", scope: "read", handler: delta },
];

const SCOPES = {
  read: ["Files.Read", "Files.ReadWrite", "Files.Read.All", "Files.ReadWrite.All"],
  write: ["Files.ReadWrite", "Files.ReadWrite.All"],
  user: ["User.Read", "User.ReadWrite", "User.Read.All"],
};

export function registerGraphRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.route({
    method: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    url: `${GRAPH_PREFIX}*`,
    handler: async (request, reply) => {
      try {
        return await dispatch(state, request, reply);
      } catch (err) {
        if (err instanceof GraphFault) return sendGraphError(request, reply, err);
        throw err;
      }
    },
  });
}

async function dispatch(
  state: EmulatorState,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  request.routeLabel = `${request.method} /v1.0`;
  const check = checkAccessToken(
    state.signer,
    request.headers.authorization,
    Math.floor(state.clock.now() / 1000),
    state.identity.isRevoked,
  );
  if (!check.ok) {
    const message =
      check.reason === "missing"
        ? "Access token is empty."
        : check.reason === "expired"
          ? "Lifetime validation failed, the token is expired."
          : check.reason === "revoked"
            ? "Access token has been revoked."
            : "IDX14100: JWT is not well formed.";
    throw new GraphFault(401, "InvalidAuthenticationToken", message, {
      headers: { "www-authenticate": 'Bearer realm="", error="invalid_token"' },
    });
  }
  const account = accountById(check.claims.oid);
  if (!account) throw new GraphFault(401, "InvalidAuthenticationToken", "The token's user does not exist.");
  const target = parseGraphPath(rawPathAfter(request, GRAPH_PREFIX), account, state.drives);
  const method = request.method === "HEAD" ? "GET" : request.method;
  const action = target.kind === "item" ? target.action : undefined;
  request.routeLabel = `${request.method} ${target.kind === "item" ? target.route : target.kind === "me" ? "/me" : "/drive"}`;
  const route = ROUTES.find((r) => r.method === method && r.kind === target.kind && r.action === action);
  if (!route) {
    throw new GraphFault(
      405,
      "invalidRequest",
      `The method ${request.method} is not supported on this resource.`,
    );
  }
  if (!check.claims.scp.some((s) => SCOPES[route.scope].includes(s))) {
    throw new GraphFault(
      403,
      "accessDenied",
      `Access denied: the token lacks a scope that allows this call (${SCOPES[route.scope].slice(0, 2).join(" or ")}).`,
    );
  }
  const query = rawQuery(request);
  refuseUnsupportedOptions(query, method === "GET" && target.kind === "item" && action === undefined);
  const call: GraphCall = {
    state,
    request,
    reply,
    account,
    claims: check.claims,
    target,
    query,
  };
  const body = await (route.handler as GraphHandler)(call);
  if (reply.sent) return reply;
  if (body === undefined) return reply.send();
  return reply
    .header(
      "content-type",
      "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8",
    )
    .send(body);
}
