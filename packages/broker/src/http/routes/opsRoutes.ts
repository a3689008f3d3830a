import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { BrokerContext } from "../context.ts";

/** Liveness (with a database round trip: a broker that cannot reach its database cannot mint) and metrics. */
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

    app.get("/metrics", async (_request, reply) => {
      const body = await ctx.metrics.registry.metrics();
      return reply.header("content-type", ctx.metrics.registry.contentType).send(body);
    });
  };
}
