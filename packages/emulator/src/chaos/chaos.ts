import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline, Readable, Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context.ts";
import { GraphFault } from "../fault.ts";
import { sendGraphError } from "../graph/graphError.ts";
import { IdentityFault, sendIdentityError } from "../identity/identityError.ts";
import { incomingCutter, type ResetPlan, ResponseCutter } from "./connectionReset.ts";
import { carriesRetryAfter, faultKindFor, graphCodeForStatus, graphMessageForStatus } from "./faultKinds.ts";
import { pacedStream } from "./pacedStream.ts";
import { type ScriptedFault, ScriptedFaults } from "./scriptedFaults.ts";
import { ConnectionBandwidth } from "./tokenBucket.ts";

type Decision =
  | {
      kind: "status";
      status: number;
      code: string;
      message: string;
      retryAfter?: number;
      script?: ScriptedFault;
    }
  | { kind: "reset"; plan: ResetPlan }
  | { kind: "omitExpiresIn" }
  | { kind: "corrupt"; at: number };

/** What chaos remembers about a request between its arrival and its body. */
interface Ticket {
  res: ServerResponse;
  reset?: ResetPlan;
  omitExpiresIn?: boolean;
  /** Offset in the body of the byte to flip (scripted `corrupt`). */
  corruptAt?: number;
}

/**
 * Latency, per-connection bandwidth and faults for Graph (`/v1.0/`) and the transfer URLs
 * (`/dl/`, `/up/`). The identity platform's `/token` and `/devicecode` get scripted faults only: a
 * slow or randomly failing sign-in only slows tests, while a test that needs one specific failure of
 * Microsoft's token endpoint (an HTML 503, a dropped connection, no `expires_in`) scripts it.
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
    if (decision.kind === "omitExpiresIn") return false;
    if (decision.kind === "corrupt") {
      ticket.corruptAt = decision.at;
      return false;
    }
    const { status, code, message, retryAfter, script } = decision;
    if (script?.body !== undefined) {
      sendScriptedBody(reply, status, script, retryAfter);
      return true;
    }
    sendGraphError(
      request,
      reply,
      new GraphFault(status, code, message, {
        ...(retryAfter === undefined ? {} : { retryAfter }),
        ...(script?.headers ? { headers: script.headers } : {}),
        ...(script?.innerError ? { innerError: script.innerError } : {}),
      }),
    );
    return true;
  }

  /**
   * Runs before the identity platform's `/token` and `/devicecode`: scripted faults only, answered in
   * the identity platform's error format. Returns true when it has answered (or dropped) the request.
   */
  beforeIdentity(request: FastifyRequest, reply: FastifyReply): boolean {
    const ticket: Ticket = { res: reply.raw };
    this.tickets.set(request.raw, ticket);
    const decision = this.decide(request, true);
    if (!decision) return false;
    if (decision.kind === "omitExpiresIn" || decision.kind === "corrupt") {
      ticket.omitExpiresIn = decision.kind === "omitExpiresIn";
      return false;
    }
    if (decision.kind === "reset") {
      // A token answer is a few hundred bytes: what clients meet in practice is a connection that
      // drops before any answer (a reset, a proxy timing out), which fetch reports as "fetch failed".
      reply.hijack();
      request.raw.socket?.destroy();
      return true;
    }
    const { status, message, retryAfter, script } = decision;
    if (script?.body !== undefined) {
      sendScriptedBody(reply, status, script, retryAfter);
      return true;
    }
    if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
    for (const [k, v] of Object.entries(script?.headers ?? {})) reply.header(k, v);
    // AADSTS90033, "A transient error has occurred", is what the token endpoint says when it is
    // unavailable; other statuses keep the scripted code as the OAuth `error`.
    const transient = status >= 500 || status === 429;
    sendIdentityError(
      this.ctx,
      request,
      reply,
      new IdentityFault(
        status,
        script?.code ?? (transient ? "temporarily_unavailable" : "invalid_request"),
        transient ? 90033 : 90014,
        script?.message ?? (transient ? "A transient error has occurred. Please try again." : message),
      ),
    );
    return true;
  }

  /** Wraps an outgoing body (bandwidth cap, reset mid-body). Uncapped and unfaulted: the body itself. */
  outgoing(request: FastifyRequest, body: Readable): Readable {
    const ticket = this.tickets.get(request.raw);
    const reset = ticket?.reset && !ticket.reset.used ? ticket.reset : undefined;
    const socket = request.raw.socket;
    const capped = this.ctx.options.bandwidth > 0 && socket !== null;
    const corruptAt = ticket?.corruptAt;
    if (!capped && !reset && corruptAt === undefined) return body;
    const stages: Transform[] = [];
    if (corruptAt !== undefined) stages.push(flipByteAt(corruptAt));
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
    if (ticket.omitExpiresIn && reply.statusCode < 300 && typeof payload === "string")
      return withoutExpiresIn(payload);
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

  private decide(request: FastifyRequest, identity = false): Decision | undefined {
    const { counters, options, clock } = this.ctx;
    const url = request.raw.url ?? "";
    const q = url.indexOf("?");
    const scripted = this.scripted.take(
      {
        method: request.method,
        rawPath: q >= 0 ? url.slice(0, q) : url,
        routeLabel: request.routeLabel,
        identity,
      },
      clock.now(),
    );
    if (scripted) {
      counters.fault("scripted");
      return fromScript(scripted);
    }
    if (identity || options.faultRate <= 0) return undefined;
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
  if (fault.kind === "omitExpiresIn") return { kind: "omitExpiresIn" };
  if (fault.kind === "corrupt") return { kind: "corrupt", at: fault.afterBytes ?? 0 };
  const status = fault.status ?? 503;
  return {
    kind: "status",
    status,
    code: fault.code ?? graphCodeForStatus(status),
    message: fault.message ?? graphMessageForStatus(status),
    retryAfter: fault.retryAfter,
    script: { ...fault },
  };
}

/** A scripted body sent as is: what a gateway in front of Microsoft answers, not Microsoft's JSON. */
function sendScriptedBody(reply: FastifyReply, status: number, script: ScriptedFault, retryAfter?: number) {
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  for (const [k, v] of Object.entries(script.headers ?? {})) reply.header(k, v);
  reply
    .code(status)
    .header("content-type", script.contentType ?? "text/html; charset=utf-8")
    .send(script.body);
}

/** Passes a body through with the byte at `at` inverted; a body shorter than that passes unchanged. */
function flipByteAt(at: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (at >= seen && at < seen + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[at - seen] = (copy[at - seen] ?? 0) ^ 0xff;
        chunk = copy;
      }
      seen += chunk.length;
      callback(null, chunk);
    },
  });
}

/** The JSON answer without `expires_in` and `ext_expires_in`; anything else passes unchanged. */
function withoutExpiresIn(payload: string): string {
  try {
    const { expires_in: _lifetime, ext_expires_in: _extended, ...rest } = JSON.parse(payload);
    return JSON.stringify(rest);
  } catch {
    return payload;
  }
}

/** Connects the stages; an error or an early close anywhere tears down the whole chain. */
function chain(source: Readable, stages: Transform[]): Readable {
  return pipeline([source, ...stages], () => undefined) as unknown as Readable;
}
