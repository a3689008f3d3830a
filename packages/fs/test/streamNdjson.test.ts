// streamNdjson: NDJSON records one at a time as the bytes arrive from OneDrive, never the whole file first.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { streamNdjson } from "../src/index.ts";
import { type Harness, harness } from "./support.ts";

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h?.close();
});

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe("streamNdjson", () => {
  test("yields each record in order, skipping blank lines, a byte-order mark and CRLF line ends", async () => {
    await h.emu.admin.putFile(
      "personal",
      "nd/small.ndjson",
      '\uFEFF{"a":1}\r\n\r\n{"a":2,"b":"x"}\n   \n{"a":3}',
    );
    expect(await collect(streamNdjson("onedrive://nd/small.ndjson"))).toEqual([
      { a: 1 },
      { a: 2, b: "x" },
      { a: 3 },
    ]);
  });

  test("names the line that is not JSON, after yielding the ones before it", async () => {
    await h.emu.admin.putFile("personal", "nd/bad.ndjson", '{"a":1}\n{"a":2}\n{oops}\n{"a":4}\n');
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const row of streamNdjson("onedrive://nd/bad.ndjson")) seen.push(row);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
    expect((error as Error).message).toMatch(/nd\/bad\.ndjson line 3 is not valid JSON/);
  });

  test("streams: stopping after the first records reads a small part of a large file", async () => {
    const line = `${JSON.stringify({ id: 0, pad: "x".repeat(200) })}\n`;
    const count = 100_000; // about 21 MB
    const lines = Array.from({ length: count }, (_, i) => line.replace('"id":0', `"id":${i}`)).join("");
    await h.emu.admin.putFile("personal", "nd/large.ndjson", lines);
    await h.emu.admin.resetCounters();
    const first: { id: number }[] = [];
    for await (const row of streamNdjson<{ id: number }>("onedrive://nd/large.ndjson")) {
      first.push(row);
      if (first.length === 3) break;
    }
    expect(first.map((r) => r.id)).toEqual([0, 1, 2]);
    // Breaking out closed the download: far less than the file left the emulator.
    expect((await h.emu.admin.counters()).bytesOut).toBeLessThan(lines.length / 4);
  });
});
