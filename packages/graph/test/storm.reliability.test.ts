import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "../../../reliability/figures.ts";
import { quickXorHash } from "../src/index.ts";
import { bytes, expectSameBytes, type Harness, harness } from "./support.ts";

// Issue 10's throttling storm: Graph answers every request with 429 and Retry-After: 2 for 10 s while
// 20 transfers share one client. Obeying Retry-After per request would send each of them back into the
// storm every 2 s (about 100 requests); the shared pacer pauses them all and lets one probe out per pause.
const TRANSFERS = 20;
const STORM_SECONDS = 10;
const MiB = 1024 * 1024;
const SIZE = 12 * MiB;

describe("a 10 s throttling storm over 20 concurrent transfers on one client", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it("sends fewer than 2 requests per transfer during the storm, and every transfer then completes intact", async () => {
    const od = h.client("personal", { retry: { baseDelayMs: 50, maxDelayMs: 1_000 } });
    const uploads = Array.from({ length: TRANSFERS / 2 }, (_, i) => bytes(SIZE, 100 + i));
    const downloads = Array.from({ length: TRANSFERS / 2 }, (_, i) => bytes(SIZE, 200 + i));
    await Promise.all(downloads.map((data, i) => od.upload(`storm/in/${i}.bin`, data)));
    // Slow connections keep every transfer in flight when the storm begins, fragment after fragment.
    await h.emu.admin.settings({ bandwidth: 4 * MiB });

    let finished = 0;
    const transfers = [
      ...uploads.map((data, i) =>
        od.upload(`storm/out/${i}.bin`, data, { chunkSize: 1280 * 1024 }).then((item) => {
          expect(item.size).toBe(SIZE);
          finished++;
        }),
      ),
      ...downloads.map((data, i) =>
        od
          .download(`storm/in/${i}.bin`, { partSize: 2 * MiB, parallelThreshold: 2 * MiB, concurrency: 1 })
          .then((got) => {
            expectSameBytes(got, data);
            finished++;
          }),
      ),
    ];
    await new Promise((r) => setTimeout(r, 1_000));
    const before = { ...od.stats };
    const finishedBeforeStorm = finished;
    await h.emu.admin.faults({ status: 429, retryAfter: 2, durationSeconds: STORM_SECONDS });
    await new Promise((r) => setTimeout(r, STORM_SECONDS * 1_000));
    const during = od.stats.requests - before.requests;
    const refused = (await h.emu.admin.counters()).faults.scripted ?? 0;

    await h.emu.admin.settings({ bandwidth: 0 });
    await Promise.all(transfers);
    for (const [i, data] of uploads.entries()) {
      const got = await od.download(`storm/out/${i}.bin`);
      expect(quickXorHash(got), `storm/out/${i}.bin`).toBe(quickXorHash(data));
    }
    recordFigures("throttling storm", {
      "concurrent transfers on one client": TRANSFERS,
      "requests sent during the 10 s storm (bar < 40)": during,
      "429s Graph answered": refused,
      "transfers completed intact after the storm": `${TRANSFERS}/${TRANSFERS}`,
    });
    // The storm really hit all 20: none had finished when it began, and Graph refused requests.
    expect(finishedBeforeStorm).toBe(0);
    expect(refused).toBeGreaterThan(0);
    expect(od.stats.throttles).toBeGreaterThan(before.throttles);
    expect(during).toBeLessThan(2 * TRANSFERS);
  });
});
