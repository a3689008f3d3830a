import type { Socket } from "node:net";

/**
 * A token bucket for one direction of one connection. The cap is per connection, not global,
 * because that is how a WAN link behaves to a client: each TCP stream gets its share, so opening
 * parallel range requests really does go faster. The rate is read on every take, so changing the
 * setting at run time applies to connections already open.
 */
export class TokenBucket {
  private tokens = 0;
  private last = performance.now();

  constructor(private readonly rate: () => number) {}

  /**
   * Spends `bytes` and returns how many milliseconds to wait before sending them. The bucket may
   * go into debt, and refills while the caller sleeps; the burst allowance lets it make up for
   * timers that fire late, so the long-run rate stays on target instead of drifting low.
   */
  take(bytes: number): number {
    const rate = this.rate();
    if (rate <= 0) return 0;
    const now = performance.now();
    this.tokens = Math.min(burstBytes(rate), this.tokens + ((now - this.last) * rate) / 1000);
    this.last = now;
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens / rate) * 1000;
  }
}

/** About 20 ms of traffic: enough to absorb a late timer, small enough not to show as a burst. */
function burstBytes(rate: number): number {
  return Math.max(64 * 1024, rate * 0.02);
}

/** Slices of about 5 ms of traffic, so pacing is smooth without a timer per tiny write. */
export function sliceBytes(rate: number): number {
  return Math.min(1024 * 1024, Math.max(16 * 1024, Math.floor(rate * 0.005)));
}

interface ConnectionBuckets {
  incoming: TokenBucket;
  outgoing: TokenBucket;
}

/** One pair of buckets per TCP connection, dropped with the socket. */
export class ConnectionBandwidth {
  private readonly bySocket = new WeakMap<Socket, ConnectionBuckets>();

  constructor(readonly rate: () => number) {}

  for(socket: Socket, direction: keyof ConnectionBuckets): TokenBucket {
    let buckets = this.bySocket.get(socket);
    if (!buckets) {
      buckets = { incoming: new TokenBucket(this.rate), outgoing: new TokenBucket(this.rate) };
      this.bySocket.set(socket, buckets);
    }
    return buckets[direction];
  }
}
