// Whether one connection is enough for a large download, judged from its first bytes.
//
// Parallel parts pay off only when the link caps each connection and the client is left waiting
// for bytes. Three measurements over the same window say so:
// - the rate: a connection at 80 MB/s or more is kept alone. On the bench's WAN profile (each
//   connection capped at 50 MB/s) the first connection measured 45–60 MB/s (the emulator's 20 ms
//   burst allowance included), and one stream is all most links carry at 80 MB/s (640 Mbit/s).
// - how busy this process's event loop was: a loop busy all the window long had bytes waiting
//   for it, so the client's CPU, not the link, set the pace, and more connections would only add
//   TLS, buffers and server work. On the bench's LAN profile, on 2 cores shared with the server
//   and other jobs, the first connection measured only 26–114 MB/s, but with the loop busy 100% of
//   the window every time; parallel parts were 1.3–2× slower there than one stream. On WAN the
//   loop was busy 23–54% of the window when the machine was quiet.
// - how long this thread ran on a core over the window: a loop can also be busy because the
//   machine is (other processes took the cores, and bytes piled up while this one waited to run).
//   On WAN at load average 4–5 the loop read busy in 3 of 5 downloads and one stream was kept, at
//   the SDK's speed. A client that truly sets the pace runs most of the window; one that ran under
//   half of it over a slow window is not what limits the link, so parallel parts can only help.
//   It is the thread's own run time (Linux's /proc/thread-self/schedstat), not the process's CPU
//   time: V8 compiles on other threads, and in a download's first 100 ms they made the process's
//   CPU time 50–96% of the window while the loop waited for bytes. A starved client on a fast LAN looks
//   the same and goes parallel too, which costs it some CPU; Microsoft's file hosts cap each
//   connection, so when the signs disagree the probe leans to parallel.
// A slow window with a busy loop and a CPU-bound process decides nothing at first: the probe looks
// again, up to WINDOWS windows, and only such windows all along keep the download on one connection.

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

/** A busy loop set the pace only if this thread ran on a core at least this share of the window. */
const RAN_BOUND = 0.5;

/** The clocks a probe reads; tests give their own. */
export interface ProbeMeter {
  /** Milliseconds, monotonic. */
  now(): number;
  /** A mark for the two below. */
  mark(): unknown;
  /** The event loop's busy fraction since the mark (0 where there is no event loop to ask). */
  loopBusySince(mark: unknown): number;
  /** Milliseconds this thread ran on a core since the mark (undefined where that cannot be read). */
  runMsSince(mark: unknown): number | undefined;
}

interface Elu {
  idle: number;
  active: number;
  utilization: number;
}
/** Node's event-loop utilization; browsers have none (then the rate alone decides). */
const elu = (globalThis.performance as { eventLoopUtilization?: (since?: Elu) => Elu } | undefined)
  ?.eventLoopUtilization;

type ReadFileSync = (path: string, encoding: "latin1") => string;
/** node:fs where there is one (Node 20.16+ hands out built-ins without an import; browsers have none). */
const readFileSync = (
  globalThis as {
    process?: { getBuiltinModule?: (id: string) => { readFileSync: ReadFileSync } | undefined };
  }
).process?.getBuiltinModule?.("node:fs")?.readFileSync;

/** Nanoseconds the calling thread has run on a core (Linux), or undefined. About 30 µs a read. */
function threadRunNs(): number | undefined {
  if (!readFileSync) return undefined;
  try {
    const ns = Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ", 1)[0]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** This thread's clocks: performance.now, event-loop utilization and the scheduler's run time. */
export const processMeter: ProbeMeter = {
  now: () => performance.now(),
  mark: () => ({ loop: elu?.call(performance), run: threadRunNs() }),
  loopBusySince(mark) {
    const start = (mark as { loop?: Elu }).loop;
    return start ? (elu?.call(performance, start).utilization ?? 0) : 0;
  },
  runMsSince(mark) {
    const start = (mark as { run?: number }).run;
    const end = start === undefined ? undefined : threadRunNs();
    return start === undefined || end === undefined ? undefined : (end - start) / 1e6;
  },
};

/**
 * Watches the first connection of a download: after the warm-up, over windows of `windowMs` or
 * `windowBytes` (whichever comes first), its rate, the event loop's business and this process's
 * run time decide between one stream and parallel parts.
 */
export class LinkProbe {
  private seen = 0;
  private started: number | undefined;
  private mark: unknown;
  private bytes = 0;
  private windows = 0;
  /** What the last window measured: bytes per second, the loop's busy fraction, the thread's run share. */
  rate = 0;
  busy = 0;
  ran: number | undefined;

  constructor(
    private readonly singleStreamRate: number,
    private readonly windowMs: number,
    private readonly windowBytes: number,
    private readonly meter: ProbeMeter = processMeter,
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
    const elapsed = this.meter.now() - this.started;
    if (this.bytes < this.windowBytes && elapsed < this.windowMs) return undefined;
    this.rate = (this.bytes / elapsed) * 1000;
    this.busy = this.meter.loopBusySince(this.mark);
    const runMs = this.meter.runMsSince(this.mark);
    this.ran = runMs === undefined ? undefined : runMs / elapsed;
    if (this.rate >= this.singleStreamRate) return "one";
    if (this.busy <= BUSY) return "parallel";
    if (this.ran !== undefined && this.ran < RAN_BOUND) return "parallel";
    if (++this.windows >= WINDOWS) return "one";
    this.startWindow();
    return undefined;
  }

  private startWindow(): void {
    this.started = this.meter.now();
    this.mark = this.meter.mark();
    this.bytes = 0;
  }
}
