// Whether one connection is enough for a large download, judged from its first bytes.
//
// Why a rate, and which: on the bench's 2 shared cores, one stream read through undici reached
// 100–480 MB/s on the LAN profile and parallel parts were 1.3–2× slower there (more connections
// only add TLS, buffers and server work when the CPU is the link). On the WAN profile every
// connection is capped at 50 MB/s and only parallel parts beat the cap. A stream measured at
// 80 MB/s or more is therefore kept alone: that is well above the capped rates seen (51–57 MB/s,
// the emulator's 20 ms burst allowance included) and below what even a heavily loaded LAN run
// showed once warm (97–155 MB/s at load average 8; cold, the first MiB alone took 22–37 ms).

export type Verdict = "one" | "parallel" | undefined;

/** Bytes not counted while the process warms up (JIT, first TLS records): the first MiB. */
const WARM_UP_BYTES = 1024 * 1024;

/**
 * Watches the first connection of a download: after the warm-up, over `windowMs` or `windowBytes`
 * (whichever comes first), its rate decides between one stream and parallel parts.
 */
export class LinkProbe {
  private seen = 0;
  private started: number | undefined;
  private bytes = 0;
  /** The rate measured (bytes per second), once decided. */
  rate = 0;

  constructor(
    private readonly singleStreamRate: number,
    private readonly windowMs: number,
    private readonly windowBytes: number,
  ) {}

  /** Counts a chunk; returns the verdict once the window is over, undefined until then. */
  chunk(length: number): Verdict {
    this.seen += length;
    if (this.started === undefined) {
      if (this.seen >= WARM_UP_BYTES) this.started = performance.now();
      return undefined;
    }
    this.bytes += length;
    const elapsed = performance.now() - this.started;
    if (this.bytes < this.windowBytes && elapsed < this.windowMs) return undefined;
    this.rate = (this.bytes / elapsed) * 1000;
    return this.rate >= this.singleStreamRate ? "one" : "parallel";
  }
}
