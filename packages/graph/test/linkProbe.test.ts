// The probe's verdicts from the three things it measures, with its clocks scripted: the rate of the
// first connection, how busy the event loop was, and how long this thread ran on a core.
import { describe, expect, it } from "vitest";
import { LinkProbe, type ProbeMeter } from "../src/linkProbe.ts";

const KiB = 1024;
const MB = 1_000_000;

/** A meter whose clock the test moves, reporting a fixed loop busy fraction and CPU share. */
function scripted(busy: number, cpuShare: number | undefined) {
  let now = 0;
  let markedAt = 0;
  const meter: ProbeMeter = {
    now: () => now,
    mark: () => {
      markedAt = now;
      return markedAt;
    },
    loopBusySince: () => busy,
    runMsSince: () => (cpuShare === undefined ? undefined : (now - markedAt) * cpuShare),
  };
  return { meter, advance: (ms: number) => (now += ms) };
}

/**
 * Feeds 64 KiB chunks at `rate` bytes per second, warm-up included, until a verdict or `maxMs` of
 * scripted time; returns the verdict and when it came.
 */
function feed(probe: LinkProbe, advance: (ms: number) => number, rate: number, maxMs = 1000) {
  const chunk = 64 * KiB;
  const msPerChunk = (chunk / rate) * 1000;
  for (let t = 0; t < maxMs; t += msPerChunk) {
    advance(msPerChunk);
    const verdict = probe.chunk(chunk);
    if (verdict !== undefined) return { verdict, at: t + msPerChunk };
  }
  return { verdict: undefined, at: maxMs };
}

describe("LinkProbe", () => {
  it("keeps one stream for a connection at the single-stream rate or faster, however busy the loop", () => {
    const { meter, advance } = scripted(1, 1);
    const probe = new LinkProbe(80 * MB, 50, 8 * 1024 * KiB, meter);
    expect(feed(probe, advance, 400 * MB).verdict).toBe("one");
    expect(probe.rate).toBeGreaterThanOrEqual(80 * MB);
  });

  it("adds parallel parts for a slow connection on an idle loop (a capped link)", () => {
    const { meter, advance } = scripted(0.3, 0.1);
    const probe = new LinkProbe(80 * MB, 50, 8 * 1024 * KiB, meter);
    const { verdict, at } = feed(probe, advance, 50 * MB);
    expect(verdict).toBe("parallel");
    // Judged after the warm-up and one 50 ms window.
    expect(at).toBeLessThan(60);
  });

  it("adds parallel parts when the loop was busy but the thread ran under half the window (a loaded machine)", () => {
    const { meter, advance } = scripted(1, 0.2);
    const probe = new LinkProbe(80 * MB, 50, 8 * 1024 * KiB, meter);
    expect(feed(probe, advance, 45 * MB).verdict).toBe("parallel");
    expect(probe.ran).toBeCloseTo(0.2);
  });

  it("keeps one stream when the loop was busy and the thread ran all along, after four windows", () => {
    const { meter, advance } = scripted(1, 0.95);
    const probe = new LinkProbe(80 * MB, 50, 8 * 1024 * KiB, meter);
    const { verdict, at } = feed(probe, advance, 40 * MB);
    expect(verdict).toBe("one");
    expect(at).toBeGreaterThanOrEqual(4 * 50);
  });

  it("decides on the rate and the loop alone where the run time cannot be read", () => {
    const busy = scripted(1, undefined);
    expect(feed(new LinkProbe(80 * MB, 50, 8 * 1024 * KiB, busy.meter), busy.advance, 40 * MB).verdict).toBe(
      "one",
    );
    const idle = scripted(0.2, undefined);
    expect(feed(new LinkProbe(80 * MB, 50, 8 * 1024 * KiB, idle.meter), idle.advance, 40 * MB).verdict).toBe(
      "parallel",
    );
  });

  it("always splits at an infinite single-stream rate", () => {
    const { meter } = scripted(1, 1);
    expect(new LinkProbe(Number.POSITIVE_INFINITY, 50, 8 * 1024 * KiB, meter).chunk(1)).toBe("parallel");
  });
});

describe("the process meter", () => {
  it("reads this thread's run time, which grows while it computes and not while it sleeps", async () => {
    const { processMeter } = await import("../src/linkProbe.ts");
    // Spin until the scheduler says this thread ran 50 ms (a loaded machine just takes longer).
    const mark = processMeter.mark();
    const deadline = performance.now() + 10_000;
    let ran = 0;
    while (ran < 50 && performance.now() < deadline) ran = processMeter.runMsSince(mark) ?? 0;
    expect(ran).toBeGreaterThanOrEqual(50);
    // Asleep for as long, the thread runs only what the test runner does meanwhile.
    const idleMark = processMeter.mark();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(processMeter.runMsSince(idleMark)).toBeLessThan(25);
  });
});
