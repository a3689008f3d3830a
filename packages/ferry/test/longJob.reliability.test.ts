// Issue 10's long job: with access tokens that live 20 seconds (the emulator's --token-lifetime 20), a
// job reads and writes through the broker for more than five lifetimes and never sees a failure. The
// broker refreshes about once per lifetime — not on every mint — and the job never handles a token.

import { onedriveConnect, readCsv, readParquet, writeCsv, writeParquet } from "ferry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "../../../reliability/figures.ts";
import { type Stack, startStack } from "./stack.ts";

const LIFETIME_S = 20;
const RUN_MS = 5.5 * LIFETIME_S * 1000;

describe(`a job running longer than five ${LIFETIME_S}-second token lifetimes`, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ tokenLifetime: LIFETIME_S });
  });
  afterAll(() => stack?.close());

  it("reads and writes CSV, Parquet and bytes the whole time without one failure", async () => {
    const conn = onedriveConnect(stack.connectOptions);
    const refreshesBefore = await stack.emu.admin.refreshGrants();
    const started = Date.now();
    const tokens = new Set<string>();
    let rounds = 0;
    const failures: string[] = [];
    while (Date.now() - started < RUN_MS) {
      const rows = Array.from({ length: 200 }, (_, i) => ({ round: rounds, i, value: i * 0.5 }));
      try {
        await writeCsv(`onedrive://long/r${rounds}.csv`, rows);
        const back = await readCsv(`onedrive://long/r${rounds}.csv`);
        expect(back).toHaveLength(200);
        expect(Number(back[199]?.value)).toBe(99.5);
        await writeParquet(`onedrive://long/r${rounds}.parquet`, rows);
        expect(await readParquet(`onedrive://long/r${rounds}.parquet`, { columns: ["value"] })).toHaveLength(
          200,
        );
        const bytes = new TextEncoder().encode(`round ${rounds}\n`.repeat(1000));
        await conn.upload(`long/r${rounds}.txt`, bytes);
        expect((await conn.download(`long/r${rounds}.txt`)).length).toBe(bytes.length);
        tokens.add(await conn.token());
      } catch (error) {
        failures.push(`round ${rounds}: ${(error as Error).message}`);
      }
      rounds++;
      // A job that works in bursts: the pauses let tokens expire between rounds as well as within them.
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const elapsed = Date.now() - started;
    const refreshes = (await stack.emu.admin.refreshGrants()) - refreshesBefore;
    expect((await conn.list("long")).length).toBe(rounds * 3);
    recordFigures("long job (token lifetime 20 s)", {
      "job length (s)": Math.round(elapsed / 1000),
      "token lifetimes outlived": Number((elapsed / 1000 / LIFETIME_S).toFixed(1)),
      "read/write rounds": rounds,
      failures: failures.length,
      "refreshes at Microsoft": refreshes,
      "distinct tokens the job used": tokens.size,
    });
    expect(failures).toEqual([]);
    expect(elapsed).toBeGreaterThan(5 * LIFETIME_S * 1000);
    // Tokens really did run out and get replaced, about once per lifetime: not a refresh per mint.
    expect(tokens.size).toBeGreaterThanOrEqual(5);
    expect(refreshes).toBeGreaterThanOrEqual(5);
    expect(refreshes).toBeLessThan(3 * (elapsed / 1000 / LIFETIME_S) + 2);
  });
});
