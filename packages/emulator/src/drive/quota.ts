import { GraphFault } from "../fault.ts";

/**
 * A drive's quota as Graph reports it. Microsoft's drives report `remaining = total - used`, with
 * the recycle bin (`deleted`) outside that sum, so it is here too.
 */
export class Quota {
  /** Bytes of deleted items (Graph's `quota.deleted`: they sit in the recycle bin). */
  deleted = 0;

  /** `usedBytes` reads the tree: everything below the root. */
  constructor(
    public total: number,
    private readonly usedBytes: () => number,
  ) {}

  get used(): number {
    return this.usedBytes();
  }

  /**
   * 507 quotaLimitReached when `additionalBytes` more would not fit. Shrinking (a negative amount)
   * is always allowed, even on a drive that is over its quota.
   */
  check(additionalBytes: number): void {
    if (additionalBytes > 0 && this.used + additionalBytes > this.total) throw quotaFault();
  }

  /** "Exceeded": Microsoft refuses new files and folders until the drive is back under its quota. */
  refuseNewItemsWhenExceeded(): void {
    if (this.used > this.total) throw quotaFault();
  }

  /** Graph's `quota.state`: nearing below 10% remaining, critical below 1%, exceeded when over. */
  state(): "normal" | "nearing" | "critical" | "exceeded" {
    const remaining = this.total - this.used;
    if (remaining < 0) return "exceeded";
    if (remaining < this.total * 0.01) return "critical";
    if (remaining < this.total * 0.1) return "nearing";
    return "normal";
  }
}

function quotaFault(): GraphFault {
  return new GraphFault(
    507,
    "quotaLimitReached",
    "Insufficient Space Available: the drive's quota is exhausted.",
  );
}
