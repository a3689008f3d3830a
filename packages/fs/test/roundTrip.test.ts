// Round trips: every format written, read back and compared, on onedrive:// and on local paths;
// and the same job run on both, giving the same answer.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type Row,
  readArrow,
  readCsv,
  readJson,
  readNdjson,
  readParquet,
  rowsToTable,
  writeArrow,
  writeCsv,
  writeJson,
  writeNdjson,
  writeParquet,
} from "../src/index.ts";
import { type Harness, harness } from "./support.ts";

let h: Harness;

const ROWS: Row[] = Array.from({ length: 500 }, (_, i) => ({
  id: i,
  name: i % 3 === 0 ? `Zoë, "the ${i}th"\nsecond line` : `name ${i} ✓`,
  score: i / 8 - 20,
  ok: i % 2 === 0,
  when: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000),
}));

/** As JSON has them: dates are ISO strings. */
const AS_JSON = ROWS.map((r) => ({ ...r, when: (r.when as Date).toISOString() }));

beforeAll(async () => {
  h = await harness();
});

afterAll(async () => {
  await h?.close();
});

const places = () => [
  ["onedrive", "onedrive://roundtrip"],
  ["a local path", join(h.tmp, "roundtrip")],
  ["a file:// URL", pathToFileURL(join(h.tmp, "roundtrip-url")).href],
];

describe.each(["onedrive", "a local path", "a file:// URL"])("on %s", (where) => {
  const base = () => places().find(([w]) => w === where)?.[1] as string;

  test("CSV: rows written with writeCsv come back equal through readCsv with casting", async () => {
    const url = `${base()}/rows.csv`;
    await writeCsv(url, ROWS);
    const back = await readCsv(url, {
      cast: (value, context) => {
        if (context.header) return value;
        if (context.column === "id" || context.column === "score") return Number(value);
        if (context.column === "ok") return value === "true";
        if (context.column === "when") return new Date(value);
        return value;
      },
    });
    expect(back).toEqual(ROWS);
  });

  test("Parquet: rows and an Arrow Table come back equal, for every codec", async () => {
    for (const codec of ["UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI", "ZSTD"] as const) {
      const url = `${base()}/rows-${codec}.parquet`;
      await writeParquet(url, ROWS, { codec });
      expect(await readParquet(url), codec).toEqual(ROWS);
    }
    const url = `${base()}/table.parquet`;
    await writeParquet(url, rowsToTable(ROWS));
    const table = await readParquet(url, { as: "arrow" });
    expect(table.numRows).toBe(ROWS.length);
    expect(await readParquet(url)).toEqual(ROWS);
  });

  test("JSON: a document comes back equal", async () => {
    const url = `${base()}/rows.json`;
    await writeJson(url, { rows: ROWS, count: ROWS.length }, { indent: 2 });
    expect(await readJson(url)).toEqual({ rows: AS_JSON, count: ROWS.length });
  });

  test("NDJSON: one record per line comes back equal, also as Arrow", async () => {
    const url = `${base()}/rows.ndjson`;
    await writeNdjson(url, ROWS);
    expect(await readNdjson(url)).toEqual(AS_JSON);
    const table = await readNdjson(url, { as: "arrow" });
    expect(table.numRows).toBe(ROWS.length);
    expect(table.getChild("name")?.get(3)).toBe(ROWS[3]?.name);
  });

  test("Arrow IPC: file and stream formats come back equal", async () => {
    for (const format of ["file", "stream"] as const) {
      const url = `${base()}/rows-${format}.arrow`;
      await writeArrow(url, ROWS, { format });
      expect(await readArrow(url), format).toEqual(ROWS);
      const table = await readArrow(url, { as: "arrow" });
      expect(table.schema.fields.map((f) => f.name)).toEqual(["id", "name", "score", "ok", "when"]);
    }
  });
});

test("the same job gives the same answer on onedrive:// and on local files", async () => {
  async function job(base: string): Promise<Row[]> {
    await writeParquet(`${base}/in/sales.parquet`, ROWS, { codec: "ZSTD" });
    const rows = await readParquet<{ ok: boolean; score: number }>(`${base}/in/sales.parquet`, {
      columns: ["ok", "score"],
    });
    const totals = [true, false].map((ok) => ({
      ok,
      total: rows.filter((r) => r.ok === ok).reduce((s, r) => s + r.score, 0),
    }));
    await writeCsv(`${base}/out/totals.csv`, totals);
    return readCsv(`${base}/out/totals.csv`, { cast: true });
  }
  const remote = await job("onedrive://job");
  const local = await job(join(h.tmp, "job"));
  expect(remote).toEqual(local);
  expect(remote).toHaveLength(2);
  // And the files agree byte for byte: the checksums OneDrive reports match local QuickXorHashes.
  const { LocalFileSystem } = await import("../src/index.ts");
  expect(await h.fs.checksum("job/out/totals.csv")).toBe(
    await new LocalFileSystem().checksum(join(h.tmp, "job", "out", "totals.csv")),
  );
});
