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

  it("holds 20 concurrent callers until Retry-After has elapsed, then sends one probe and releases the rest when it succeeds", async () => {
    const pacer = new Pacer();
    pacer.throttled(2.5);
    const callers = Array.from({ length: 20 }, () => track(pacer.ready()));
    await vi.advanceTimersByTimeAsync(2_499);
    expect(callers.filter((c) => c.settled())).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(callers.filter((c) => c.settled())).toHaveLength(1);
    pacer.succeeded();
    await vi.advanceTimersByTimeAsync(0);
    expect(callers.filter((c) => c.settled())).toHaveLength(20);
    expect(callers.every((c) => c.error() === undefined)).toBe(true);
  });

  it("keeps the others waiting while each probe is throttled again, so a long storm costs one request per pause", async () => {
    const pacer = new Pacer();
    pacer.throttled(2);
    const callers = Array.from({ length: 20 }, () => track(pacer.ready()));
    let sent = 0;
    for (let pause = 0; pause < 4; pause++) {
      await vi.advanceTimersByTimeAsync(pacer.remainingMs);
      const through = callers.filter((c) => c.settled()).length;
      expect(through, `pause ${pause}`).toBe(sent + 1);
      sent = through;
      // The probe is refused again; in the real client it then waits like everyone else.
      pacer.throttled(2);
      callers.push(track(pacer.ready()));
    }
    pacer.succeeded();
    await vi.advanceTimersByTimeAsync(pacer.remainingMs);
    expect(callers.filter((c) => c.settled())).toHaveLength(callers.length);
  });

  it("lets the next caller probe when a probe ends without an answer about throttling", async () => {
    const pacer = new Pacer();
    pacer.throttled(1);
    const a = track(pacer.ready());
    const b = track(pacer.ready());
    await vi.advanceTimersByTimeAsync(1_000);
    expect([a.settled(), b.settled()]).toEqual([true, false]);
    // The probe's connection was reset: nothing is known, so one more caller tries.
    pacer.settled();
    await vi.advanceTimersByTimeAsync(0);
    expect(b.settled()).toBe(true);
  });

  it("gives up on a probe that never reports back after probeTimeoutMs", async () => {
    const pacer = new Pacer({ probeTimeoutMs: 5_000 });
    pacer.throttled(1);
    const a = track(pacer.ready());
    const b = track(pacer.ready());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.settled()).toBe(true);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(b.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.settled()).toBe(true);
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
