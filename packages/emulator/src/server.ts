import Fastify, { type FastifyInstance } from "fastify";
import { registerAdminRoutes } from "./admin/routes.ts";
import { registerCopyMonitorRoutes } from "./graph/copyMonitor.ts";
import { registerGraphRoutes } from "./graph/routes.ts";
import { registerIdentityRoutes } from "./identity/routes.ts";
import { originOf, sendInvalidHostname } from "./origin.ts";
import type { EmulatorState } from "./state.ts";
import { registerStorageRoutes } from "./storage/routes.ts";
import type { TlsMaterial } from "./tls.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** A stable route name for the counters, e.g. `GET /drive/root:/{path}:/content`. */
    routeLabel: string;
    /** `https://host:port` as the client called it: every absolute URL in an answer starts with it. */
    origin: string;
  }
}

/** Paths that chaos (faults, latency) applies to: Graph itself and the file-transfer URLs. */
const CHAOS_PREFIXES = ["/v1.0/", "/dl/", "/up/"];
/** The identity platform's client-facing endpoints, which take scripted faults only (see chaos.ts). */
const IDENTITY_FAULT_PATH = /^\/[^/?]+\/oauth2\/v2\.0\/(?:token|devicecode)(?:\?|$)/;

export function buildServer(state: EmulatorState, tls?: TlsMaterial): FastifyInstance {
  const app = Fastify({
    ...(tls ? { https: tls } : {}),
    // Only then does Fastify read X-Forwarded-Proto and X-Forwarded-Host (see origin.ts).
    trustProxy: state.options.trustProxy,
    logger: state.options.log ? { level: "info" } : false,
    // Graph names every response with a request-id GUID; use one too.
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    // Long uploads on a capped connection must not be cut off by a server timeout.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 8192 },
  });
  app.decorateRequest("routeLabel", "");
  app.decorateRequest("origin", "");

  // No body parsing anywhere: uploads stream from the socket and each route reads what it needs.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

  app.addHook("onRequest", async (request, reply) => {
    // Route groups refine this label; the pattern keeps the counters' cardinality bounded.
    request.routeLabel = `${request.method} ${request.routeOptions.url ?? "(unmatched)"}`;
    reply.header("request-id", request.id);
    const origin = originOf(request);
    if (origin === undefined) return sendInvalidHostname(reply);
    request.origin = origin;
    if (
      CHAOS_PREFIXES.some((p) => request.url.startsWith(p)) &&
      (await state.chaos.beforeHandler(request, reply))
    ) {
      return reply;
    }
    if (IDENTITY_FAULT_PATH.test(request.url) && state.chaos.beforeIdentity(request, reply)) return reply;
  });
  // Resets of JSON answers and bandwidth for small payloads; a no-op for requests chaos never saw.
  app.addHook("onSend", state.chaos.onSend);
  app.addHook("onResponse", async (request, reply) => {
    state.counters.request(request.method, request.routeLabel, reply.statusCode);
  });

  registerIdentityRoutes(app, state);
  registerGraphRoutes(app, state);
  registerCopyMonitorRoutes(app, state);
  registerStorageRoutes(app, state);
  registerAdminRoutes(app, state);
  return app;
}
