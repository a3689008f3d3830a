import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Pacer } from "../src/index.ts";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function track(promise: Promise<unknown>): { settled: () => boolean; error: () => unknown } {
  let done = false;
  let failure: unknown;
  promise.then(
    () => {
      done = true;
    },
    (e: unknown) => {
      done = true;
      failure = e;
    },
  );
  return { settled: () => done, error: () => failure };
}

describe("Pacer", () => {
  it("lets requests through at once when nothing was throttled", async () => {
    const pacer = new Pacer();
    const ready = track(pacer.ready());
    await vi.advanceTimersByTimeAsync(0);
    expect(ready.settled()).toBe(true);
    expect(pacer.remainingMs).toBe(0);
  });

  it("holds 20 concurrent callers until Retry-After has elapsed, then releases them all", async () => {
    const pacer = new Pacer();
    pacer.throttled(2.5);
    const callers = Array.from({ length: 20 }, () => track(pacer.ready()));
    await vi.advanceTimersByTimeAsync(2_499);
    expect(callers.filter((c) => c.settled())).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(callers.filter((c) => c.settled())).toHaveLength(20);
    expect(callers.every((c) => c.error() === undefined)).toBe(true);
  });

  it("also pauses callers that arrive during the pause", async () => {
    const pacer = new Pacer();
    pacer.throttled(3);
    await vi.advanceTimersByTimeAsync(1_000);
    const late = track(pacer.ready());
    await vi.advanceTimersByTimeAsync(1_999);
    expect(late.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(late.settled()).toBe(true);
  });

  it("extends the pause for waiters already sleeping when a longer Retry-After arrives", async () => {
    const pacer = new Pacer();
    pacer.throttled(1);
    const waiting = track(pacer.ready());
    await vi.advanceTimersByTimeAsync(500);
    pacer.throttled(4); // now paused until 500 + 4000 ms
    await vi.advanceTimersByTimeAsync(3_999);
    expect(waiting.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.settled()).toBe(true);
  });

  it("never shortens a pause when a shorter Retry-After arrives", async () => {
    const pacer = new Pacer();
    pacer.throttled(5);
    pacer.throttled(1);
    expect(pacer.remainingMs).toBe(5_000);
  });

  it("pauses for the initial pause when the throttle carried no Retry-After", async () => {
    const pacer = new Pacer({ initialPauseMs: 1_500 });
    pacer.throttled();
    expect(pacer.remainingMs).toBe(1_500);
  });

  it("lengthens pauses while throttling persists and relaxes after successes", async () => {
    const pacer = new Pacer({ initialPauseMs: 1_000, maxFloorMs: 8_000 });
    // A burst of 429s from requests already in flight is one episode: no escalation.
    for (let i = 0; i < 10; i++) pacer.throttled(0.1);
    expect(pacer.floorMs).toBe(0);
    const pauses: number[] = [];
    for (let round = 0; round < 6; round++) {
      await vi.advanceTimersByTimeAsync(pacer.remainingMs);
      pacer.throttled(0.1);
      pauses.push(pacer.remainingMs);
    }
    expect(pauses).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    pacer.succeeded();
    expect(pacer.floorMs).toBe(4_000);
    pacer.succeeded();
    pacer.succeeded();
    expect(pacer.floorMs).toBe(1_000);
    pacer.succeeded();
    expect(pacer.floorMs).toBe(0);
  });

  it("honours a Retry-After longer than the floor's ceiling", async () => {
    const pacer = new Pacer({ maxFloorMs: 10_000 });
    pacer.throttled(120);
    expect(pacer.remainingMs).toBe(120_000);
  });

  it("rejects a waiting caller promptly when its signal aborts, leaving the others waiting", async () => {
    const pacer = new Pacer();
    pacer.throttled(60);
    const controller = new AbortController();
    const aborted = track(pacer.ready(controller.signal));
    const other = track(pacer.ready());
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await Promise.resolve();
    await Promise.resolve();
    expect(aborted.settled()).toBe(true);
    expect((aborted.error() as DOMException).name).toBe("AbortError");
    expect(other.settled()).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const pacer = new Pacer();
    const reason = new Error("stop");
    await expect(pacer.ready(AbortSignal.abort(reason))).rejects.toBe(reason);
    pacer.throttled(1);
    await expect(pacer.ready(AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
