import { type TokenBucketOptions, TokenBuckets } from "../tokenBuckets.ts";

export type FailureLimiterOptions = TokenBucketOptions;

/**
 * Counts failed authentication attempts (API keys, session cookies, login links, OAuth states, start links, the
 * metrics token) per client address, and per credential prefix where a credential has one (an API key's id), with
 * a token bucket each: `burst` failures at once, refilled at `refillPerSecond`. Past that, failures are answered
 * 429 with Retry-After instead of 401 or 400.
 *
 * Only failures count, and only after the credential was checked: a valid credential is always served, whatever
 * its address did before. So a flood of bad keys from one address (every local job shares 127.0.0.1; every
 * client behind a proxy shares the proxy's address unless `trustProxy` names it) cannot lock anyone out; and
 * the per-prefix count limits guesses at one key from many addresses without touching the key's owner.
 *
 * Kept in memory, per instance, on purpose: the secrets it guards are 256-bit random values that no rate of
 * guessing can find, so the limit is there to slow noise and flag it in the metrics, not to be an exact global
 * quota, and a database write per failed attempt would itself be a lever for denial of service.
 */
export class FailureLimiter {
  readonly #byAddress: TokenBuckets;
  readonly #byPrefix: TokenBuckets;

  constructor(options: FailureLimiterOptions) {
    this.#byAddress = new TokenBuckets(options);
    this.#byPrefix = new TokenBuckets(options);
  }

  /**
   * Records one failed attempt from `address`, against `prefix` when the credential has one. Returns 0 while
   * both are within their limits, else the seconds to wait (the answer should then be 429).
   */
  fail(address: string, prefix?: string, now = Date.now()): number {
    const byAddress = this.#byAddress.take(address, now);
    const byPrefix = prefix === undefined ? 0 : this.#byPrefix.take(prefix, now);
    return Math.max(byAddress, byPrefix);
  }
}
