/**
 * Limits failed authentication attempts (API keys, session cookies, login links, OAuth states) per client address
 * with a token bucket: `burst` failures at once, refilled at `refillPerSecond`. Once a bucket is empty, every
 * credential from that address is refused with 429 until it refills, without being checked, so guesses stop
 * costing the broker work and stop producing answers.
 *
 * Kept in memory, per instance, on purpose: the secrets it guards are 256-bit random values that no rate of
 * guessing can find, so the limit exists to stop noise and log flooding, not to be an exact global quota; N
 * instances allowing N times the rate changes nothing that matters, and a database write per failed attempt
 * would itself be a lever for denial of service. The table is bounded, so spoofed or rotating addresses cannot
 * grow it without limit.
 */
export interface FailureLimiterOptions {
  burst: number;
  refillPerSecond: number;
  maxTrackedAddresses?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class FailureLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #maxTracked: number;

  constructor(options: FailureLimiterOptions) {
    this.#burst = options.burst;
    this.#refillPerMs = options.refillPerSecond / 1000;
    this.#maxTracked = options.maxTrackedAddresses ?? 10_000;
  }

  /** Seconds until `address` may try again; 0 when it may now. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const bucket = this.#refilled(address, now);
    if (bucket === undefined || bucket.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refillPerMs / 1000));
  }

  /** Records one failed attempt from `address`. */
  fail(address: string, now = Date.now()): void {
    const bucket = this.#refilled(address, now) ?? { tokens: this.#burst, updatedAt: now };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.#buckets.delete(address);
    if (this.#buckets.size >= this.#maxTracked) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    this.#buckets.set(address, bucket);
  }

  #refilled(address: string, now: number): Bucket | undefined {
    const bucket = this.#buckets.get(address);
    if (bucket === undefined) return undefined;
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs);
    bucket.updatedAt = now;
    if (bucket.tokens >= this.#burst) {
      // A full bucket is the same as none: forget it, so the table only holds recent offenders.
      this.#buckets.delete(address);
      return undefined;
    }
    return bucket;
  }
}
