/**
 * The faults a random draw can inject, with the status, Graph error code and message Microsoft's
 * services send for each. Weights favour throttling, which is what a busy tenant sees most.
 */
export type RandomFaultKind = "429" | "503" | "500" | "502" | "504" | "reset";

interface FaultKind {
  kind: RandomFaultKind;
  weight: number;
}

const KINDS: readonly FaultKind[] = [
  { kind: "429", weight: 30 },
  { kind: "503", weight: 20 },
  { kind: "500", weight: 12 },
  { kind: "502", weight: 10 },
  { kind: "504", weight: 10 },
  { kind: "reset", weight: 18 },
];

const TOTAL_WEIGHT = KINDS.reduce((sum, k) => sum + k.weight, 0);

/** Maps a uniform draw in [0, 1) to a fault kind by weight. */
export function faultKindFor(draw: number): RandomFaultKind {
  let at = draw * TOTAL_WEIGHT;
  for (const k of KINDS) {
    if (at < k.weight) return k.kind;
    at -= k.weight;
  }
  return "reset";
}

/**
 * Graph's error code for a status. 502 and 504 have no documented code: the gateway in front of
 * Graph answers them with `UnknownError` and an empty message (observed in issue threads).
 */
const CODES: Record<number, string> = {
  400: "invalidRequest",
  401: "InvalidAuthenticationToken",
  403: "accessDenied",
  404: "itemNotFound",
  409: "nameAlreadyExists",
  410: "resyncRequired",
  412: "resourceModified",
  416: "invalidRange",
  423: "resourceLocked",
  429: "activityLimitReached",
  500: "generalException",
  502: "UnknownError",
  503: "serviceNotAvailable",
  504: "UnknownError",
  507: "quotaLimitReached",
  509: "activityLimitReached",
};

const MESSAGES: Record<number, string> = {
  429: "The request has been throttled: too many requests. Retry after the interval in Retry-After.",
  500: "An unspecified error has occurred.",
  502: "",
  503: "The service is temporarily unavailable. Please retry after the interval in Retry-After.",
  504: "",
  509: "Bandwidth limit exceeded. Retry after the interval in Retry-After.",
};

export function graphCodeForStatus(status: number): string {
  return CODES[status] ?? "generalException";
}

export function graphMessageForStatus(status: number): string {
  return MESSAGES[status] ?? "The request failed (injected by the emulator).";
}

/** Throttling statuses carry Retry-After; Microsoft documents it for 429 and 503. */
export function carriesRetryAfter(status: number): boolean {
  return status === 429 || status === 503 || status === 509;
}
