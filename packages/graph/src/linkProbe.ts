// Whether one connection is enough for a large download, judged from its first bytes.
//
// Parallel parts pay off only when the link caps each connection and the client is left waiting
// for bytes. Two measurements over the same window say so:
// - the rate: a connection at 80 MB/s or more is kept alone. On the bench's WAN profile (each
//   connection capped at 50 MB/s) the first connection measured 45–60 MB/s (the emulator's 20 ms
//   burst allowance included), and one stream is all most links carry at 80 MB/s (640 Mbit/s).
// - how busy this process's event loop was: a loop busy all the window long had bytes waiting
//   for it, so the client's CPU, not the link, set the pace, and more connections would only add
//   TLS, buffers and server work. On the bench's LAN profile, on 2 cores shared with the server
//   and other jobs, the first connection measured only 26–114 MB/s, but with the loop busy 100% of
//   the window every time; parallel parts were 1.3–2× slower there than one stream. On WAN the
//   loop was busy 23–54% of the window when the machine was quiet.
// A slow window with a busy loop decides nothing: on a machine at load average 10, WAN windows
// were sometimes busy 100% too (the process waiting for a core, not for bytes), and judging one
// stream enough there cost 3× the time. So the probe looks again, up to WINDOWS windows, and only
// a busy loop in every one of them keeps the download on one connection.

export type Verdict = "one" | "parallel" | undefined;

/**
 * Bytes not counted while the process warms up (JIT, first TLS records). Cold, the first MiB took
 * 22–37 ms on LAN; since a cold, busy loop now keeps one stream anyway, one joined chunk is enough.
 */
const WARM_UP_BYTES = 256 * 1024;
/** A loop busier than this over the window had bytes waiting: the client's CPU is the link. */
const BUSY = 0.9;
/** Windows a slow connection on a busy loop is watched before one stream is judged enough. */
const WINDOWS = 4;

interface Elu {
  idle: number;
  active: number;
  utilization: number;
}
/** Node's event-loop utilization; browsers have none (then the rate alone decides). */
const elu = (globalThis.performance as { eventLoopUtilization?: (since?: Elu) => Elu } | undefined)
  ?.eventLoopUtilization;

/**
 * Watches the first connection of a download: after the warm-up, over windows of `windowMs` or
 * `windowBytes` (whichever comes first), its rate and the event loop's business decide between one
 * stream and parallel parts.
 */
export class LinkProbe {
  private seen = 0;
  private started: number | undefined;
  private loopAtStart: Elu | undefined;
  private bytes = 0;
  private windows = 0;
  /** What the last window measured (bytes per second, and the loop's busy fraction). */
  rate = 0;
  busy = 0;

  constructor(
    private readonly singleStreamRate: number,
    private readonly windowMs: number,
    private readonly windowBytes: number,
  ) {}

  /** Counts a chunk; returns the verdict once there is one, undefined until then. */
  chunk(length: number): Verdict {
    if (this.singleStreamRate === Number.POSITIVE_INFINITY) return "parallel";
    this.seen += length;
    if (this.started === undefined) {
      if (this.seen >= WARM_UP_BYTES) this.startWindow();
      return undefined;
    }
    this.bytes += length;
    const elapsed = performance.now() - this.started;
    if (this.bytes < this.windowBytes && elapsed < this.windowMs) return undefined;
    this.rate = (this.bytes / elapsed) * 1000;
    this.busy = this.loopAtStart ? (elu?.call(performance, this.loopAtStart).utilization ?? 0) : 0;
    if (this.rate >= this.singleStreamRate) return "one";
    if (this.busy <= BUSY) return "parallel";
    if (++this.windows >= WINDOWS) return "one";
    this.startWindow();
    return undefined;
  }

  private startWindow(): void {
    this.started = performance.now();
    this.loopAtStart = elu?.call(performance);
    this.bytes = 0;
  }
}
