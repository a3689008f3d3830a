import fastifyCookie from "@fastify/cookie";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { Logger } from "pino";
import type { BrokerContext } from "./context.ts";
import { installErrorHandling } from "./errorHandler.ts";
import { HttpError } from "./httpError.ts";
import { adminRoutes } from "./routes/adminRoutes.ts";
import { callbackRoute } from "./routes/callbackRoute.ts";
import { connectConfirmRoutes } from "./routes/connectConfirmRoutes.ts";
import { connectStartRoutes } from "./routes/connectStartRoutes.ts";
import { integrationRoutes } from "./routes/integrationRoutes.ts";
import { onedriveFilesRoutes } from "./routes/onedriveFilesRoutes.ts";
import { opsRoutes } from "./routes/opsRoutes.ts";
import { secretsRoutes } from "./routes/secretsRoutes.ts";
import { sessionRoutes } from "./routes/sessionRoutes.ts";
import { webRoutes } from "./routes/webRoutes.ts";
import { installSecurityHeaders } from "./securityHeaders.ts";
import { fastifyTrustProxy } from "./trustProxy.ts";

/** Every request body the API takes is a few fields of JSON; anything bigger is refused before it is read. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export interface ConnectionLimits {
  /** The whole request (headers and body) must arrive within this; a client sending slowly is cut off (408). */
  requestTimeoutMs: number;
  /** A connection on which nothing moves for this long is closed. */
  connectionTimeoutMs: number;
  /** Open connections at most; more are refused at once, so slow clients cannot exhaust the process. */
  maxConnections: number;
  /** How often the server looks for requests past requestTimeoutMs (Node checks on an interval, 30 s by default). */
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: 30_000,
  // Longer than the longest answer the broker may take: a mint waits up to 45 s for another instance's refresh.
  connectionTimeoutMs: 120_000,
  // Below the common 1024 open-files limit, so the cap (not EMFILE) is what a flood of connections meets.
  maxConnections: 1000,
  checkIntervalMs: 1_000,
};

export interface AppOptions {
  logger: Logger;
  limits: ConnectionLimits;
}

export async function buildApp(ctx: BrokerContext, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // X-Forwarded-For only from the proxies FERRY_TRUST_PROXY names (or counts); never from any client.
    trustProxy: fastifyTrustProxy(ctx.config.trustProxy),
    requestTimeout: options.limits.requestTimeoutMs,
    connectionTimeout: options.limits.connectionTimeoutMs,
    http: {
      connectionsCheckingInterval: options.limits.checkIntervalMs,
      headersTimeout: Math.min(options.limits.requestTimeoutMs, 15_000),
    },
    return503OnClosing: true,
    // Fastify's default (100) answers a longer path parameter with a bare 404 before any handler; a secret name of
    // 129+ characters must meet the name rules' own 400 instead. The URL itself stays bounded by Node's header limit.
    routerOptions: { maxParamLength: 16 * 1024 },
    // A malformed percent-escape in the path (`/api/v1/admin/users/%ZZ/keys`) is refused by the router before any
    // hook or handler runs, so the error handler never sees it; Fastify's own answer has another shape
    // (`{ error, code, message }` with a string `error`) than every other API error, which a client reading
    // `error.code` would misread.
    frameworkErrors: (error, _request, reply) => {
      const refusal =
        error.code === "FST_ERR_BAD_URL"
          ? new HttpError(
              400,
              "invalid_request",
              "The URL holds a malformed percent-escape (a % not followed by two hex digits).",
            )
          : new HttpError(400, "invalid_request", "The request is not valid.");
      // The reply's generic route types cannot be inferred this early; it is an ordinary reply.
      (reply as unknown as FastifyReply).code(refusal.status).send(refusal.toBody());
    },
    ajv: {
      // Fastify's defaults silently drop unknown fields and coerce types; the API refuses both instead, so a typo
      // in a field name is an error rather than a quietly ignored setting.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false },
    },
  }) as unknown as FastifyInstance;

  // JSON only. Fastify also parses text/plain by default, which no route here wants.
  app.removeAllContentTypeParsers();
  const json = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    // Many clients send `Content-Type: application/json` with no body on a POST; that means "no fields".
    if (body === "" || (typeof body === "string" && body.trim() === "")) {
      done(null, {});
      return;
    }
    json(request, body as string, done);
  });

  // A POST without a body means "no fields", the same as `{}`, so it passes the routes' body schemas.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined || request.body === null) request.body = {};
  });
  await app.register(fastifyCookie);
  await installSecurityHeaders(app);
  installErrorHandling(app);
  app.decorateRequest("auth", undefined);
  app.addHook("onSend", async (request, reply) => {
    // API answers carry tokens and per-user state: never to be kept by a browser or proxy cache.
    if (request.url.startsWith("/api/")) reply.header("cache-control", "no-store");
  });

  await app.register(opsRoutes(ctx));
  await app.register(sessionRoutes(ctx));
  await app.register(integrationRoutes(ctx));
  await app.register(onedriveFilesRoutes(ctx));
  await app.register(connectStartRoutes(ctx));
  await app.register(callbackRoute(ctx));
  await app.register(connectConfirmRoutes(ctx));
  await app.register(adminRoutes(ctx));
  await app.register(secretsRoutes(ctx));
  await app.register(webRoutes(ctx));
  app.server.maxConnections = options.limits.maxConnections;
  return app;
}
