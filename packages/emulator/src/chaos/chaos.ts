import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline, Readable, type Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context.ts";
import { GraphFault } from "../fault.ts";
import { sendGraphError } from "../graph/graphError.ts";
import { incomingCutter, type ResetPlan, ResponseCutter } from "./connectionReset.ts";
import { carriesRetryAfter, faultKindFor, graphCodeForStatus, graphMessageForStatus } from "./faultKinds.ts";
import { pacedStream } from "./pacedStream.ts";
import { type ScriptedFault, ScriptedFaults } from "./scriptedFaults.ts";
import { ConnectionBandwidth } from "./tokenBucket.ts";

type Decision =
  | { kind: "status"; status: number; code: string; message: string; retryAfter?: number }
  | { kind: "reset"; plan: ResetPlan };

/** What chaos remembers about a request between its arrival and its body. */
interface Ticket {
  res: ServerResponse;
  reset?: ResetPlan;
}

/**
 * Latency, per-connection bandwidth and faults for Graph (`/v1.0/`) and the transfer URLs
 * (`/dl/`, `/up/`). Identity endpoints are left fast on purpose: a slow sign-in only slows tests,
 * while the behaviour worth exercising (retries, resumes, pacing) lives on the Graph side.
 */
export class Chaos {
  readonly scripted = new ScriptedFaults();
  private readonly bandwidth: ConnectionBandwidth;
  private readonly tickets = new WeakMap<IncomingMessage, Ticket>();

  constructor(readonly ctx: EmulatorContext) {
    this.bandwidth = new ConnectionBandwidth(() => ctx.options.bandwidth);
  }

  /** Runs before a Graph or storage handler; returns true when it has answered with a fault. */
  async beforeHandler(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const ticket: Ticket = { res: reply.raw };
    this.tickets.set(request.raw, ticket);
    // Decided before the first await, so draws follow the order requests arrived in: that is what
    // makes the same seed and the same request sequence give the same faults.
    const decision = this.decide(request);
    const latency = this.ctx.options.latencyMs;
    if (latency > 0) await sleep(latency);
    if (!decision) return false;
    if (decision.kind === "reset") {
      ticket.reset = decision.plan;
      return false;
    }
    const { status, code, message, retryAfter } = decision;
    sendGraphError(
      request,
      reply,
      new GraphFault(status, code, message, retryAfter === undefined ? {} : { retryAfter }),
    );
    return true;
  }

  /** Wraps an outgoing body (bandwidth cap, reset mid-body). Uncapped and unfaulted: the body itself. */
  outgoing(request: FastifyRequest, body: Readable): Readable {
    const ticket = this.tickets.get(request.raw);
    const reset = ticket?.reset && !ticket.reset.used ? ticket.reset : undefined;
    const socket = request.raw.socket;
    const capped = this.ctx.options.bandwidth > 0 && socket !== null;
    if (!capped && !reset) return body;
    const stages: Transform[] = [];
    if (capped) stages.push(pacedStream(this.bandwidth.for(socket, "outgoing"), this.rate));
    if (reset && ticket) stages.push(new ResponseCutter(reset, ticket.res));
    return chain(body, stages);
  }

  /** Wraps an incoming body (bandwidth cap, reset mid-body). Uncapped and unfaulted: `request.raw`. */
  incoming(request: FastifyRequest): Readable {
    const ticket = this.tickets.get(request.raw);
    const reset = ticket?.reset && !ticket.reset.used ? ticket.reset : undefined;
    const socket = request.raw.socket;
    const capped = this.ctx.options.bandwidth > 0 && socket !== null;
    if (!capped && !reset) return request.raw;
    const stages: Transform[] = [];
    if (capped) stages.push(pacedStream(this.bandwidth.for(socket, "incoming"), this.rate));
    if (reset) stages.push(incomingCutter(reset, request.raw));
    return chain(request.raw, stages);
  }

  /**
   * Fastify `onSend` hook. Cuts JSON answers for requests drawn for a reset that no body stream
   * consumed, and holds small payloads back until the connection's bandwidth allows them.
   */
  onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const ticket = this.tickets.get(request.raw);
    if (!ticket) return payload;
    const isBytes = typeof payload === "string" || Buffer.isBuffer(payload);
    const reset = ticket.reset;
    if (reset && !reset.used) {
      if (isBytes && payload.length > 0) {
        const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
        reply.header("content-length", bytes.length);
        return chain(Readable.from([bytes]), [new ResponseCutter(reset, ticket.res, bytes.length)]);
      }
      if (payload instanceof Readable) return chain(payload, [new ResponseCutter(reset, ticket.res)]);
      // No body to cut into (a 302, a 204): the connection drops before the response.
      reset.used = true;
      ticket.res.destroy();
      return payload;
    }
    const socket = request.raw.socket;
    if (isBytes && this.ctx.options.bandwidth > 0 && socket) {
      const wait = this.bandwidth.for(socket, "outgoing").take(Buffer.byteLength(payload));
      if (wait >= 1) await sleep(wait);
    }
    return payload;
  };

  /** Drops scripted faults (admin reset). */
  reset(): void {
    this.scripted.clear();
  }

  private readonly rate = () => this.ctx.options.bandwidth;

  private decide(request: FastifyRequest): Decision | undefined {
    const { counters, options, clock } = this.ctx;
    const url = request.raw.url ?? "";
    const q = url.indexOf("?");
    const scripted = this.scripted.take(
      { method: request.method, rawPath: q >= 0 ? url.slice(0, q) : url, routeLabel: request.routeLabel },
      clock.now(),
    );
    if (scripted) {
      counters.fault("scripted");
      return fromScript(scripted);
    }
    if (options.faultRate <= 0) return undefined;
    const random = this.ctx.random;
    if (random.next() >= options.faultRate) return undefined;
    const kind = faultKindFor(random.next());
    const jitter = random.next();
    counters.fault(kind);
    if (kind === "reset") return { kind, plan: { fraction: jitter, used: false } };
    const status = Number(kind);
    return {
      kind: "status",
      status,
      code: graphCodeForStatus(status),
      message: graphMessageForStatus(status),
      // Graph's Retry-After values are decimal seconds (e.g. "2.128"); clients must parse them so.
      retryAfter: carriesRetryAfter(status)
        ? Math.round(options.faultRetryAfter * (0.5 + jitter) * 1000) / 1000
        : undefined,
    };
  }
}

function fromScript(fault: ScriptedFault): Decision {
  if (fault.kind === "reset")
    return { kind: "reset", plan: { afterBytes: fault.afterBytes, fraction: 0.5, used: false } };
  const status = fault.status ?? 503;
  return {
    kind: "status",
    status,
    code: fault.code ?? graphCodeForStatus(status),
    message: fault.message ?? graphMessageForStatus(status),
    retryAfter: fault.retryAfter,
  };
}

/** Connects the stages; an error or an early close anywhere tears down the whole chain. */
function chain(source: Readable, stages: Transform[]): Readable {
  return pipeline([source, ...stages], () => undefined) as unknown as Readable;
}
