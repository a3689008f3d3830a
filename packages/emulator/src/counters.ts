/**
 * What the emulator saw: requests by route and status, token grants by type, bytes moved and
 * faults injected. Benchmarks and tests assert on these rather than on timings.
 */
export interface CountersSnapshot {
  requests: { method: string; route: string; status: number; count: number }[];
  /** Successful token grants by `grant_type`, e.g. `refresh_token`. */
  grants: Record<string, number>;
  /** Body bytes received (uploads) and sent (downloads and JSON). */
  bytesIn: number;
  bytesOut: number;
  /** Faults injected by kind: `429`, `503`, `500`, `502`, `504`, `reset`, `scripted`. */
  faults: Record<string, number>;
  /** Requests to pre-authenticated URLs that carried an Authorization header anyway. */
  authOnPreauthenticatedUrl: number;
}

export class Counters {
  private requests = new Map<string, number>();
  grants: Record<string, number> = {};
  bytesIn = 0;
  bytesOut = 0;
  faults: Record<string, number> = {};
  authOnPreauthenticatedUrl = 0;

  request(method: string, route: string, status: number): void {
    const key = `${method}\u0000${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  grant(type: string): void {
    this.grants[type] = (this.grants[type] ?? 0) + 1;
  }

  fault(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  reset(): void {
    this.requests.clear();
    this.grants = {};
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.faults = {};
    this.authOnPreauthenticatedUrl = 0;
  }

  snapshot(): CountersSnapshot {
    const requests = [...this.requests].map(([key, count]) => {
      const [method, route, status] = key.split("\u0000") as [string, string, string];
      return { method, route, status: Number(status), count };
    });
    return {
      requests,
      grants: { ...this.grants },
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      faults: { ...this.faults },
      authOnPreauthenticatedUrl: this.authOnPreauthenticatedUrl,
    };
  }
}
