/**
 * Faults a test asks for through the admin API: "the next 3 GET downloads get 503", "for the next
 * 10 s everything gets 429 with Retry-After: 2", "cut the next upload after 1 MB", "the next token
 * request gets an HTML 503 page". Unlike random faults they are exact, so a test can assert that a
 * client recovers from one specific failure.
 *
 * They reach Graph, the transfer URLs and the identity platform's `/token` and `/devicecode`. A rule
 * reaches those two identity endpoints only when its `path` or `route` names them, so a Graph
 * throttling rule such as "everything gets 429 for 10 s" never starts failing sign-ins as well.
 */
export interface ScriptedFaultSpec {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** A substring of the request path, matched against both the raw and the percent-decoded path. */
  path?: string;
  /**
   * A substring of the route label known when the request arrives: the framework pattern, e.g.
   * `GET /dl/*`. Graph calls arrive as `GET /v1.0/*`, so tell them apart with `path`.
   */
  route?: string;
  /** Applies to this many matching requests. The default, when no duration is given either, is 1. */
  count?: number;
  /** Applies to every matching request for this many seconds (emulator clock). */
  durationSeconds?: number;
  /**
   * `status` answers with an error; `reset` cuts the connection in the middle of a body (on the
   * identity endpoints: before any answer, as a refused or dropped connection looks to a client);
   * `omitExpiresIn` lets the request through and drops `expires_in` and `ext_expires_in` from its
   * JSON answer, for clients that must not trust a token response to carry a lifetime; `corrupt`
   * flips one byte of a download's body (at `afterBytes`, default the first), as a broken proxy or disk
   * would, for clients that must verify what they received against the file's hash.
   */
  kind?: FaultKind;
  /** For `status`: the HTTP status, 400–599 (default 503). */
  status?: number;
  /** Graph error code (default: Graph's code for the status). */
  code?: string;
  message?: string;
  /** Seconds for `Retry-After`; decimals allowed, as Graph sends them. */
  retryAfter?: number;
  /** For `reset`: body bytes that get through before the cut (default: half of the body). For `corrupt`: the offset of the flipped byte (default 0). */
  afterBytes?: number;
  /**
   * For `status`: fields merged into Graph's `error.innerError` (after `code`, `date` and the request
   * ids), e.g. a nested `{ innerError: { code: "nameContainsInvalidCharacters" } }` as Graph nests them.
   */
  innerError?: Record<string, unknown>;
  /**
   * For `status`: the whole body, sent as is instead of Graph's or the identity platform's error JSON,
   * e.g. the HTML page a gateway in front of Microsoft answers with. Sent with `contentType`.
   */
  body?: string;
  /** Content type of `body` (default `text/html; charset=utf-8`). */
  contentType?: string;
  /** For `status`: extra response headers, e.g. `Retry-After` as an HTTP-date. */
  headers?: Record<string, string>;
}

export type FaultKind = "status" | "reset" | "omitExpiresIn" | "corrupt";

/** An armed rule, as the admin API lists it. */
export interface ScriptedFault extends ScriptedFaultSpec {
  id: number;
  kind: FaultKind;
  /** Matches still to go; absent for a purely time-based rule. */
  remaining?: number;
  /** When a time-based rule stops, ISO time on the emulator clock. */
  until?: string;
}

interface Rule {
  fault: ScriptedFault;
  method?: string;
  untilMs?: number;
}

export interface RequestFacts {
  method: string;
  rawPath: string;
  routeLabel: string;
  /** The identity platform's `/token` or `/devicecode`: only rules naming them by path or route match. */
  identity?: boolean;
}

const SPEC_KEYS = new Set([
  "method",
  "path",
  "route",
  "count",
  "durationSeconds",
  "kind",
  "status",
  "code",
  "message",
  "retryAfter",
  "afterBytes",
  "innerError",
  "body",
  "contentType",
  "headers",
]);

/** Checks an admin-supplied spec; returns a message naming the first problem, or the clean spec. */
export function validateFaultSpec(input: unknown): { spec: ScriptedFaultSpec } | { error: string } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { error: "a fault must be a JSON object" };
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!SPEC_KEYS.has(key)) return { error: `unknown fault field '${key}'` };
  }
  for (const key of ["method", "path", "route", "code", "message", "body", "contentType"] as const) {
    if (o[key] !== undefined && typeof o[key] !== "string") return { error: `'${key}' must be a string` };
  }
  const positive = (key: string, integer: boolean, min: number) => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      return `'${key}' must be ${integer ? "an integer" : "a number"} >= ${min}`;
    }
    return undefined;
  };
  const problem =
    positive("count", true, 1) ??
    positive("durationSeconds", false, 0) ??
    positive("status", true, 400) ??
    positive("retryAfter", false, 0) ??
    positive("afterBytes", true, 0);
  if (problem) return { error: problem };
  if (typeof o.status === "number" && o.status > 599)
    return { error: "'status' must be between 400 and 599" };
  for (const key of ["innerError", "headers"] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v)))
      return { error: `'${key}' must be a JSON object` };
  }
  if (o.headers !== undefined && Object.values(o.headers as object).some((v) => typeof v !== "string"))
    return { error: "'headers' values must be strings" };
  if (o.kind !== undefined && !["status", "reset", "omitExpiresIn", "corrupt"].includes(String(o.kind))) {
    return { error: "'kind' must be 'status', 'reset', 'omitExpiresIn' or 'corrupt'" };
  }
  if (o.kind !== undefined && o.kind !== "status") {
    const statusOnly = [
      "status",
      "code",
      "message",
      "retryAfter",
      "innerError",
      "body",
      "contentType",
      "headers",
    ];
    const extra = statusOnly.find((key) => o[key] !== undefined);
    if (extra) return { error: `a '${o.kind}' fault takes no '${extra}'` };
  }
  return { spec: o as ScriptedFaultSpec };
}

/** The armed rules, checked in the order they were added; the first match wins. */
export class ScriptedFaults {
  private rules: Rule[] = [];
  private nextId = 1;

  add(spec: ScriptedFaultSpec, nowMs: number): ScriptedFault {
    const kind = spec.kind ?? "status";
    const fault: ScriptedFault = { ...spec, id: this.nextId++, kind };
    if (kind === "status") fault.status = spec.status ?? 503;
    const timed = spec.durationSeconds !== undefined;
    if (spec.count !== undefined || !timed) fault.remaining = spec.count ?? 1;
    const rule: Rule = { fault, method: spec.method?.toUpperCase() };
    if (timed) {
      rule.untilMs = nowMs + (spec.durationSeconds ?? 0) * 1000;
      fault.until = new Date(rule.untilMs).toISOString();
    }
    this.rules.push(rule);
    return { ...fault };
  }

  clear(): number {
    const n = this.rules.length;
    this.rules = [];
    return n;
  }

  list(nowMs: number): ScriptedFault[] {
    this.expire(nowMs);
    return this.rules.map((r) => ({ ...r.fault }));
  }

  /** The fault for this request, if a rule matches; consumes one use of a count-based rule. */
  take(request: RequestFacts, nowMs: number): ScriptedFault | undefined {
    if (this.rules.length === 0) return undefined;
    this.expire(nowMs);
    const rule = this.rules.find((r) => matches(r, request));
    if (!rule) return undefined;
    if (rule.fault.remaining !== undefined) {
      rule.fault.remaining--;
      if (rule.fault.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule.fault;
  }

  private expire(nowMs: number): void {
    this.rules = this.rules.filter((r) => r.untilMs === undefined || r.untilMs > nowMs);
  }
}

function matches(rule: Rule, request: RequestFacts): boolean {
  const { fault } = rule;
  if (request.identity && fault.path === undefined && fault.route === undefined) return false;
  if (rule.method && rule.method !== request.method) return false;
  if (fault.route !== undefined && !request.routeLabel.includes(fault.route)) return false;
  if (fault.path !== undefined && !request.rawPath.includes(fault.path)) {
    if (!safeDecode(request.rawPath).includes(fault.path)) return false;
  }
  return true;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
