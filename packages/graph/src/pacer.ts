// One Pacer per client, shared by every request it makes. Microsoft's throttling guidance: when
// Graph answers 429/503, wait Retry-After, pause *all* concurrent requests rather than only the one
// that failed, and expect longer waits if throttling persists. Requests that keep going while one
// waits are counted against the same quota and prolong the throttling for everyone.
//
// When a pause ends, one request goes first as a probe and the rest wait for its answer, as a circuit
// breaker's half-open state does. Releasing every waiter at once would send the whole queue into a
// throttle that is still on: 20 transfers paused by a 10 s storm with Retry-After: 2 would make 100
// requests instead of about 25, and each wave tells Microsoft the client ignores its guidance.

export interface PacerOptions {
  /** Pause after a throttle that carried no Retry-After, and the first step of the escalating floor. */
  initialPauseMs?: number;
  /** Ceiling of the escalating floor (a longer Retry-After from the server is still honoured). */
  maxFloorMs?: number;
  /** Clock in milliseconds; defaults to Date.now. */
  now?: () => number;
  /** How long waiters give a probe that never reports back before another caller probes instead. */
  probeTimeoutMs?: number;
}

interface Probe {
  readonly startedAt: number;
  readonly answered: Promise<void>;
  readonly settle: () => void;
}

export class Pacer {
  readonly #initialPauseMs: number;
  readonly #maxFloorMs: number;
  readonly #now: () => number;
  #pausedUntil = 0;
  // The least a pause lasts. It doubles when throttling comes back right after a pause and halves
  // with every success, so persistent throttling backs off further while a recovered service does not.
  #floorMs = 0;
  // Throttles since the last success that arrived after the previous pause had ended.
  #strikes = 0;
  // Set by a throttle and cleared by the first answer that was not one: until then, one probe at a time.
  #recovering = false;
  #probe: Probe | undefined;
  readonly #probeTimeoutMs: number;

  constructor(options: PacerOptions = {}) {
    this.#initialPauseMs = options.initialPauseMs ?? 1_000;
    this.#maxFloorMs = options.maxFloorMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 30_000;
  }

  /** Milliseconds until requests may go again (0 when not paused). */
  get remainingMs(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  /** The minimum length of the next pause, raised by persistent throttling. */
  get floorMs(): number {
    return this.#floorMs;
  }

  /**
   * Resolves when a request may be sent; call before every request, and report its outcome with
   * throttled(), succeeded() or settled(). Waits out a pause, including one extended while waiting;
   * after a throttle, lets one request through as a probe and holds the rest until it is answered.
   * Rejects with the signal's reason as soon as `signal` aborts.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    for (;;) {
      for (let wait = this.remainingMs; wait > 0; wait = this.remainingMs) {
        await sleep(wait, signal);
      }
      if (!this.#recovering) return;
      const probe = this.#probe;
      const now = this.#now();
      // A probe whose caller vanished (aborted, crashed between ready() and its report) must not hold
      // everyone forever: after the timeout the next caller probes instead.
      if (probe === undefined || now - probe.startedAt >= this.#probeTimeoutMs) {
        this.#probe = newProbe(now);
        return;
      }
      await sleep(probe.startedAt + this.#probeTimeoutMs - now, signal, probe.answered);
    }
  }

  /** Report a throttling response (429, or 503 with Retry-After): pauses every caller of ready(). */
  throttled(retryAfterSeconds?: number): void {
    const now = this.#now();
    // Throttles that arrive while already paused come from requests sent before the pause began:
    // they are the same episode and must not escalate. One after a pause has ended means it persists.
    if (now >= this.#pausedUntil) {
      if (this.#strikes > 0) {
        this.#floorMs = Math.min(this.#maxFloorMs, Math.max(this.#initialPauseMs, this.#floorMs * 2));
      }
      this.#strikes++;
    }
    const asked =
      retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0
        ? retryAfterSeconds * 1000
        : this.#initialPauseMs;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.max(asked, this.#floorMs));
    this.#recovering = true;
    this.#answerProbe();
  }

  /** Report an answer that was not a throttle (any status but 429/503): the service is taking requests. */
  succeeded(): void {
    this.#strikes = 0;
    const halved = this.#floorMs / 2;
    this.#floorMs = halved < this.#initialPauseMs ? 0 : halved;
    this.#recovering = false;
    this.#answerProbe();
  }

  /**
   * Report a request that ended without saying whether throttling is over (a network error, a 401 to
   * retry with a new token): a waiting caller probes next.
   */
  settled(): void {
    this.#answerProbe();
  }

  #answerProbe(): void {
    this.#probe?.settle();
    this.#probe = undefined;
  }
}

function newProbe(startedAt: number): Probe {
  let settle!: () => void;
  const answered = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { startedAt, answered, settle };
}

// Web-standard timers only (no node:timers/promises), so the client runs in browsers and Deno too.
// Ends early when `until` resolves; the timer is cleared either way, so no waiter keeps a process alive.
function sleep(ms: number, signal: AbortSignal | undefined, until?: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    until?.then(done);
  });
}
