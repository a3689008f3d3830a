// One Pacer per client, shared by every request it makes. Microsoft's throttling guidance: when
// Graph answers 429/503, wait Retry-After, pause *all* concurrent requests rather than only the one
// that failed, and expect longer waits if throttling persists. Requests that keep going while one
// waits are counted against the same quota and prolong the throttling for everyone.

export interface PacerOptions {
  /** Pause after a throttle that carried no Retry-After, and the first step of the escalating floor. */
  initialPauseMs?: number;
  /** Ceiling of the escalating floor (a longer Retry-After from the server is still honoured). */
  maxFloorMs?: number;
  /** Clock in milliseconds; defaults to Date.now. */
  now?: () => number;
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

  constructor(options: PacerOptions = {}) {
    this.#initialPauseMs = options.initialPauseMs ?? 1_000;
    this.#maxFloorMs = options.maxFloorMs ?? 60_000;
    this.#now = options.now ?? Date.now;
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
   * Resolves when requests may be sent; call before every request. Waits out a pause, including one
   * extended while waiting. Rejects with the signal's reason as soon as `signal` aborts.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    for (let wait = this.remainingMs; wait > 0; wait = this.remainingMs) {
      await sleep(wait, signal);
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
  }

  /** Report a request that was not throttled: lets the floor decay. */
  succeeded(): void {
    this.#strikes = 0;
    const halved = this.#floorMs / 2;
    this.#floorMs = halved < this.#initialPauseMs ? 0 : halved;
  }
}

// Web-standard timers only (no node:timers/promises), so the client runs in browsers and Deno too.
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
