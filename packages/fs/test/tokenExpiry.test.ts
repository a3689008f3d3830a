// A job that runs across several access-token expiries (and a download-URL expiry) keeps working
// without the caller doing anything: the client gets a 401, asks the token source for a fresh token
// with forceRefresh, and goes on; range reads renew their pre-authenticated URL.

import { tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { open, readCsv, readParquet, writeCsv, writeParquet } from "../src/index.ts";
import { type Harness, harness } from "./support.ts";

// About 2.4 MB: more than one 1 MiB block, so the late tail read needs a fresh range request.
const N = 200_000;

/** Graph requests refused with 401 (not download URLs, not the admin API). */
const unauthorized = (h: Harness) =>
  h.emu.admin.requestCount({ status: 401, route: /^(?!.*(?:\/dl\/|_emulator))/ });

/** The job: write data, read it back by columns and ranges, list, copy, summarise. */
async function job(h: Harness, expire: () => Promise<void>) {
  await writeParquet(
    "onedrive://job/in.parquet",
    tableFromArrays({
      id: Int32Array.from({ length: N }, (_, i) => i),
      value: Float64Array.from({ length: N }, (_, i) => i * 0.5),
    }),
    { rowGroupSize: 50_000 },
  );
  const reader = await open("onedrive://job/in.parquet");
  await reader.read(0, 4);
  await expire(); // 1

  const values = await readParquet<{ value: number }>("onedrive://job/in.parquet", { columns: ["value"] });
  await expire(); // 2

  const total = values.reduce((s, r) => s + r.value, 0);
  await writeCsv("onedrive://job/out/summary.csv", [{ rows: values.length, total }]);
  // The reader opened before every expiry still reads: its download URL is renewed if refused.
  const tail = await reader.read(reader.size - 4, 4);
  await reader.close();
  await expire(); // 3

  await h.fs.cp("job/out/summary.csv", "job/out/copy.csv");
  const listed = await h.fs.glob("job/**/*.csv");
  await expire(); // 4
  const summary = await readCsv("onedrive://job/out/copy.csv", { cast: true });
  return { summary, listed, tail };
}

describe("with expireTokens() between the steps", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => {
    await h?.close();
  });

  test("the job finishes correctly across four token expiries, refreshing once per expiry", async () => {
    const result = await job(h, () => h.emu.admin.expireTokens());
    expect(result.summary).toEqual([{ rows: N, total: (0.5 * (N - 1) * N) / 2 }]);
    expect(result.listed).toEqual(["job/out/copy.csv", "job/out/summary.csv"]);
    expect(new TextDecoder().decode(result.tail)).toBe("PAR1");
    // Exactly once per expiry: requests refused together by one expiry share one refresh.
    expect(h.tokens.forced).toBe(4);
    expect(h.tokens.minted).toBe(5);
    // At least one refused request per expiry; concurrent requests may each be refused by the same one.
    expect(await unauthorized(h)).toBeGreaterThanOrEqual(4);
  });
});

describe("with a 2-second token lifetime, the clock moved past it between the steps", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ tokenLifetime: 2, downloadUrlLifetime: 5 });
  });
  afterAll(async () => {
    await h?.close();
  });

  test("tokens and download URLs that lapse mid-job are replaced without the caller noticing", async () => {
    const result = await job(h, async () => {
      await h.emu.admin.advanceClock(6);
    });
    expect(result.summary).toEqual([{ rows: N, total: (0.5 * (N - 1) * N) / 2 }]);
    expect(new TextDecoder().decode(result.tail)).toBe("PAR1");
    expect(h.tokens.forced).toBeGreaterThanOrEqual(3);
    expect(await unauthorized(h)).toBeGreaterThanOrEqual(3);
    expect(await h.emu.admin.requestCount({ route: "/dl/", status: 401 })).toBeGreaterThanOrEqual(1);
  });
});
