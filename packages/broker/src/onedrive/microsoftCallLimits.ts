import { type TokenBucketOptions, TokenBuckets } from "../tokenBuckets.ts";

/**
 * The calls a Ferry user can make the broker send to Microsoft on demand:
 * - `refresh`: a forced refresh (a mint naming a still-valid token as refused by Graph, `staleExpiresAt`);
 * - `device`: starting a device-code sign-in;
 * - `code`: redeeming an authorization code at the callback.
 * Every user of a broker shares one Entra app (one client id), and Microsoft throttles per app, so one user
 * asking in a loop would slow sign-ins and refreshes for everyone.
 */
export type MicrosoftCallKind = "refresh" | "device" | "code";

export type MicrosoftCallLimitOptions = Record<MicrosoftCallKind, TokenBucketOptions>;

export const DEFAULT_MICROSOFT_CALL_LIMITS: MicrosoftCallLimitOptions = {
  // A token Graph refuses is replaced at once; one that keeps being refused right after each refresh is not a
  // reason to keep asking Microsoft.
  refresh: { burst: 5, refillPerSecond: 1 / 30 },
  device: { burst: 5, refillPerSecond: 1 / 60 },
  code: { burst: 10, refillPerSecond: 1 / 30 },
};

const WHAT: Record<MicrosoftCallKind, string> = {
  refresh: "forced token refreshes (a token named in staleExpiresAt)",
  device: "device-code sign-ins started",
  code: "sign-ins finished",
};

/**
 * Per-user budgets for those calls, token buckets in memory per instance: the point is to keep one user's loop
 * from reaching Microsoft at the loop's rate, which a per-instance bound does (N instances allow N times it).
 * An exhausted budget throws TooManyMicrosoftCalls, which the API answers `429` with Retry-After.
 */
export class MicrosoftCallLimits {
  readonly #buckets: Record<MicrosoftCallKind, TokenBuckets>;

  constructor(options: MicrosoftCallLimitOptions = DEFAULT_MICROSOFT_CALL_LIMITS) {
    this.#buckets = {
      refresh: new TokenBuckets(options.refresh),
      device: new TokenBuckets(options.device),
      code: new TokenBuckets(options.code),
    };
  }

  /** Takes one call of `kind` from the user's budget: 0 when allowed, else the seconds until one is. */
  take(kind: MicrosoftCallKind, userId: string): number {
    return this.#buckets[kind].take(userId);
  }

  /** Takes one call, or throws TooManyMicrosoftCalls, which says why. */
  spend(kind: MicrosoftCallKind, userId: string): void {
    const wait = this.take(kind, userId);
    if (wait > 0) throw new TooManyMicrosoftCalls(kind, wait);
  }
}

/** A user's budget of calls of one kind to Microsoft is spent for now. */
export class TooManyMicrosoftCalls extends Error {
  override name = "TooManyMicrosoftCalls";
  constructor(
    readonly kind: MicrosoftCallKind,
    /** Seconds until the budget allows one more. */
    readonly waitSeconds: number,
  ) {
    super(
      `Too many ${WHAT[kind]} for this Ferry user in a short time. Each one is a call to Microsoft, which ` +
        `throttles the app that every user of this broker shares, so Ferry limits them per user; try again in ${waitSeconds} s.`,
    );
  }
}
