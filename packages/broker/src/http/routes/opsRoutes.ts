import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { digestsEqual, hashToken } from "../../tokens.ts";
import { refuseFailed } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { HttpError } from "../httpError.ts";

/**
 * Liveness (with a database round trip: a broker that cannot reach its database cannot mint) and metrics. With
 * FERRY_METRICS_TOKEN set, /metrics wants `Authorization: Bearer <it>`: the metrics hold no secret, but they do
 * tell a stranger how busy the broker is and how sign-ins are failing.
 */
export function opsRoutes(ctx: BrokerContext) {
  return async (app: FastifyInstance) => {
    app.get("/healthz", async (request, reply) => {
      try {
        await sql`select 1`.execute(ctx.db.kysely);
        return { status: "ok", database: ctx.db.dialect };
      } catch (error) {
        request.log.error({ err: error }, "health check: database unreachable");
        return reply.code(503).send({ status: "unavailable", database: ctx.db.dialect });
      }
    });

    const expected =
      ctx.config.metricsToken === undefined ? undefined : hashToken(ctx.config.metricsToken.reveal());
    app.get("/metrics", async (request, reply) => {
      if (expected !== undefined) {
        const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
        // Compared as SHA-256 digests in constant time, whatever the presented length.
        if (presented === undefined || !digestsEqual(hashToken(presented), expected)) {
          refuseFailed(
            ctx,
            request,
            "metrics_token",
            new HttpError(
              401,
              "unauthorized",
              "/metrics needs `Authorization: Bearer <FERRY_METRICS_TOKEN>`; give your Prometheus scrape job that token.",
              { "www-authenticate": "Bearer" },
            ),
          );
        }
      }
      const body = await ctx.metrics.registry.metrics();
      return reply.header("content-type", ctx.metrics.registry.contentType).send(body);
    });
  };
}
