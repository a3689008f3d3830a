import type { FastifyInstance } from "fastify";
import { GraphFault } from "../fault.ts";
import type { EmulatorState } from "../state.ts";
import { sendGraphError } from "./graphError.ts";

const MONITOR_PREFIX = "/monitor/";

/**
 * Where a copy job reports, on the origin the copy request was addressed to; an unguessable id,
 * since the URL itself is the only credential.
 */
export function monitorUrl(origin: string, jobId: string): string {
  return `${origin}${MONITOR_PREFIX}${jobId}`;
}

/**
 * The copy monitor. Like Microsoft's, it needs no Authorization ("the URL is short-lived and unique
 * to the original caller") and lives outside the Graph base URL, so clients must call it as given.
 * It answers 202 with Graph's asyncJobStatus for an `ItemCopy`: `inProgress` with a percentage,
 * then `completed` with the new item's `resourceId`, or `failed` with the error.
 */
export function registerCopyMonitorRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.get(`${MONITOR_PREFIX}:jobId`, async (request, reply) => {
    const { jobId } = request.params as { jobId: string };
    const job = state.copies.get(jobId, state.clock.now());
    if (!job) {
      return sendGraphError(
        request,
        reply,
        new GraphFault(404, "itemNotFound", "The copy operation does not exist or has expired."),
      );
    }
    const report: Record<string, unknown> = {
      operation: "ItemCopy",
      percentageComplete: job.percentageComplete,
      status: job.status,
    };
    if (job.resourceId) report.resourceId = job.resourceId;
    if (job.error) {
      report.errorCode = job.error.code;
      report.error = job.error;
    }
    return reply.code(202).header("content-type", "application/json").send(report);
  });
}
