export interface TokenBucketOptions {
  /** Tokens a key has at first: how many events may come at once. */
  burst: number;
  /** Tokens given back per second, up to `burst`. */
  refillPerSecond: number;
  /** Keys remembered at most; the least recently touched is forgotten first. */
  maxTracked?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (a client address, a key id, a user), in memory. The table is bounded, so spoofed or
 * rotating keys cannot grow it without limit, and a bucket that has refilled is forgotten, so it only holds recent
 * activity. Written here rather than taken from a rate-limit plugin because the broker counts events that are not
 * requests (a failed credential, a call to Microsoft) and must not refuse a request before it is checked.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #maxTracked: number;

  constructor(options: TokenBucketOptions) {
    this.#burst = options.burst;
    this.#refillPerMs = options.refillPerSecond / 1000;
    this.#maxTracked = options.maxTracked ?? 10_000;
  }

  /** Seconds until `key` has a token again; 0 when it has one now. Takes nothing. */
  retryAfterSeconds(key: string, now = Date.now()): number {
    const bucket = this.#refilled(key, now);
    if (bucket === undefined || bucket.tokens >= 1) return 0;
    return this.#wait(bucket);
  }

  /** Takes a token from `key`: 0 if there was one, else the seconds until there will be (nothing is taken then). */
  take(key: string, now = Date.now()): number {
    const bucket = this.#refilled(key, now) ?? { tokens: this.#burst, updatedAt: now };
    if (bucket.tokens < 1) return this.#wait(bucket);
    bucket.tokens -= 1;
    this.#buckets.delete(key);
    if (this.#buckets.size >= this.#maxTracked) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    this.#buckets.set(key, bucket);
    return 0;
  }

  #wait(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refillPerMs / 1000));
  }

  #refilled(key: string, now: number): Bucket | undefined {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return undefined;
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs);
    bucket.updatedAt = now;
    if (bucket.tokens >= this.#burst) {
      // A full bucket is the same as none: forget it.
      this.#buckets.delete(key);
      return undefined;
    }
    return bucket;
  }
}
