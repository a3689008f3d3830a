import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quickXorHash } from "../src/index.ts";
import { bytes, type Harness, harness } from "./support.ts";

// Issue 3's chaos proof: one fault in ten — throttling, 5xx and connections reset in the middle of
// a body — and every operation still finishes with the right bytes.
describe("the client under chaos (fault rate 0.1, every fault kind)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ seed: 20261126 });
    // Seeding and the first token before the faults start, so the set-up itself is deterministic.
    await h.client("personal").mkdir("chaos", { parents: true });
    await h.emu.admin.settings({ faultRate: 0.1, faultRetryAfter: 0.05 });
  });
  afterAll(() => h.close());

  it("finishes 100 mixed uploads, downloads and listings with matching hashes and nothing missing", async () => {
    const od = h.client("personal", { retry: { baseDelayMs: 5, maxDelayMs: 100, maxAttempts: 20 } });
    const MiB = 1024 * 1024;
    const sizes = [0, 1, 1000, 320 * 1024, MiB, 4 * MiB, 4 * MiB + 1, 6 * MiB + 7, 9 * MiB, 3 * MiB + 333];
    const expected = new Map<string, string>();
    let ops = 0;
    // 40 uploads (many fragments each: 1 MiB chunks), 40 verified downloads, 20 listings.
    for (let i = 0; i < 40; i++) {
      const size = sizes[i % sizes.length] as number;
      const data = bytes(size, i + 1);
      const name = `chaos/f${i} #%.bin`;
      const item = await od.upload(name, data, { chunkSize: MiB });
      expect(item.size).toBe(size);
      expected.set(name, quickXorHash(data));
      ops++;
    }
    for (const [name, hash] of expected) {
      const got = await od.download(name, { partSize: 2 * MiB, parallelThreshold: 2 * MiB, concurrency: 4 });
      expect(quickXorHash(got), name).toBe(hash);
      ops++;
    }
    for (let i = 0; i < 20; i++) {
      const listed = await od.list("chaos", { top: 7 });
      expect(listed.length).toBe(40);
      ops++;
    }
    expect(ops).toBe(100);
    const counters = await h.emu.admin.counters();
    const injected = Object.values(counters.faults).reduce((a, b) => a + b, 0);
    // The run really was under fire, and the client really did retry through it.
    expect(injected).toBeGreaterThan(20);
    expect(counters.faults.reset ?? 0).toBeGreaterThan(0);
    expect(od.stats.retries).toBeGreaterThan(0);
    console.log(
      `chaos: ${injected} faults injected (${JSON.stringify(counters.faults)}), ${od.stats.retries} retries, ${od.stats.throttles} throttles`,
    );
  });
});
