// query() against the whole stack (emulator ← broker ← job, as `ferry dev` runs it): CSV, Parquet
// and JSON files, a glob over a folder of 100 files, a CSV ⋈ Parquet join, COPY … TO onedrive://
// read back, cache hits and a changed file counted with the emulator's counters, and the errors.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { countRequests } from "@ferry/emulator";
import { tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  onedriveConnect,
  query,
  ReadCache,
  readCsv,
  readParquet,
  SqlError,
  SqlSession,
  writeCsv,
  writeFile,
  writeJson,
  writeParquet,
} from "../src/index.ts";
import { importDuckDB } from "../src/sql/duckdb.ts";
import { type Stack, startStack } from "./stack.ts";

let stack: Stack;
let cache: ReadCache;

const REGIONS = ["north", "south", "east", "west"];

async function traffic() {
  const { requests, bytesOut } = await stack.emu.admin.counters();
  return {
    bytesOut,
    content: countRequests(requests, { method: "GET", route: /\/dl\// }),
    metadata: countRequests(requests, { method: "GET", route: /^GET \/drive\/(root|items)/ }),
  };
}

beforeAll(async () => {
  stack = await startStack();
  onedriveConnect(stack.connectOptions);
  cache = new ReadCache({ dir: join(stack.home, "sql-cache") });
  const sales = Array.from({ length: 400 }, (_, i) => ({
    id: i,
    region: REGIONS[i % 4],
    revenue: (i % 7) * 10,
  }));
  await writeCsv("onedrive://reports/sales.csv", sales);
  await writeParquet(
    "onedrive://reports/regions.parquet",
    tableFromArrays({
      region: REGIONS,
      manager: ["Ann", "Bo", "Cy", "Di"],
      budget: Float64Array.from([100, 200, 300, 400]),
    }),
  );
  await writeJson("onedrive://reports/targets.json", [
    { region: "north", target: 1 },
    { region: "south", target: 2 },
  ]);
  // 100 small CSV files in nested folders, for globs.
  for (let i = 0; i < 100; i++)
    await writeFile(
      `onedrive://many/${i < 50 ? "a" : "b/deeper"}/part-${String(i).padStart(3, "0")}.csv`,
      `n,region\n${i},${REGIONS[i % 4]}\n`,
    );
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

test("an aggregate over a CSV file, as rows and as Arrow", async () => {
  const sql =
    "SELECT region, sum(revenue) AS total, count(*) AS n FROM 'onedrive://reports/sales.csv' GROUP BY region ORDER BY region";
  const rows = await query(sql, { cache });
  expect(rows).toEqual(
    [
      { region: "east", total: 3000n, n: 100n },
      { region: "north", total: 2970n, n: 100n },
      { region: "south", total: 3000n, n: 100n },
      { region: "west", total: 3030n, n: 100n },
    ].map((r) => ({ ...r, total: expect.anything() })),
  );
  const expected = (await readCsv("onedrive://reports/sales.csv", { cast: true })) as {
    region: string;
    revenue: number;
  }[];
  for (const row of rows) {
    const sum = expected.filter((e) => e.region === row.region).reduce((n, e) => n + e.revenue, 0);
    expect(Number(row.total)).toBe(sum);
  }
  const table = await query(sql, { cache, as: "arrow" });
  expect(table.numRows).toBe(4);
  expect(table.schema.fields.map((f) => f.name)).toEqual(["region", "total", "n"]);
  expect(table.getChild("region")?.toArray()).toEqual(["east", "north", "south", "west"]);
  expect(Number(table.getChild("n")?.get(0))).toBe(100);
});

test("read_parquet, read_json and a join of a CSV with a Parquet file", async () => {
  expect(
    await query(
      "SELECT manager FROM read_parquet('onedrive://reports/regions.parquet') WHERE budget > 250 ORDER BY 1",
      { cache },
    ),
  ).toEqual([{ manager: "Cy" }, { manager: "Di" }]);
  expect(
    await query("SELECT region, target FROM read_json('onedrive://reports/targets.json') ORDER BY target", {
      cache,
    }),
  ).toEqual([
    { region: "north", target: 1n },
    { region: "south", target: 2n },
  ]);
  const joined = await query(
    `SELECT r.manager, count(*) AS sales
       FROM read_csv('onedrive://reports/sales.csv') s
       JOIN 'onedrive://reports/regions.parquet' r USING (region)
      GROUP BY r.manager ORDER BY r.manager`,
    { cache },
  );
  expect(joined.map((r) => [r.manager, Number(r.sales)])).toEqual([
    ["Ann", 100],
    ["Bo", 100],
    ["Cy", 100],
    ["Di", 100],
  ]);
});

test("globs with * and ** over a folder of 100 files; filename names the OneDrive file", async () => {
  const all = await query("SELECT count(*) AS files, sum(n) AS total FROM 'onedrive://many/**/*.csv'", {
    cache,
  });
  expect(all.map((r) => [Number(r.files), Number(r.total)])).toEqual([[100, 4950]]);
  const top = await query("SELECT count(*) AS files FROM read_csv('onedrive://many/a/*.csv')", { cache });
  expect(Number(top[0]?.files)).toBe(50);
  const named = await query(
    "SELECT filename FROM read_csv('onedrive://many/b/deeper/part-09*.csv', filename = true) ORDER BY 1",
    { cache },
  );
  expect(named.map((r) => r.filename)).toEqual(
    Array.from({ length: 10 }, (_, i) => `onedrive://many/b/deeper/part-09${i}.csv`),
  );
});

test("a second query of unchanged files moves no content bytes: one metadata request per file", async () => {
  const sql = "SELECT count(*) AS n FROM 'onedrive://many/a/*.csv'";
  const fresh = new ReadCache({ dir: join(stack.home, "sql-cache-hits") });
  await stack.emu.admin.resetCounters();
  const session = await SqlSession.open({ cache: fresh });
  try {
    const first = await session.run(sql);
    const one = await traffic();
    await stack.emu.admin.resetCounters();
    const second = await session.run(sql);
    const two = await traffic();
    console.log(
      `sql cache: first query ${one.metadata} metadata + ${one.content} content requests, ${one.bytesOut} bytes out; ` +
        `second ${two.metadata} metadata + ${two.content} content requests, ${two.bytesOut} bytes out`,
    );
    expect(first.stats).toMatchObject({ filesRead: 50, cacheHits: 0 });
    expect(second.stats).toMatchObject({ filesRead: 50, cacheHits: 50, bytesDownloaded: 0 });
    expect(one.content).toBe(50);
    expect(two.content).toBe(0);
    // One listing of the folder for the glob, then one metadata request per file.
    expect(two.metadata).toBe(51);
    expect(second.rows).toEqual(first.rows);
  } finally {
    await session.close();
  }
});

test("a file changed between two queries: the second query sees the change", async () => {
  await writeCsv("onedrive://changing/prices.csv", [{ item: "tea", price: 3 }]);
  const sql = "SELECT sum(price) AS total FROM 'onedrive://changing/prices.csv'";
  expect(Number((await query(sql, { cache }))[0]?.total)).toBe(3);
  await writeCsv("onedrive://changing/prices.csv", [
    { item: "tea", price: 4 },
    { item: "cake", price: 5 },
  ]);
  expect(Number((await query(sql, { cache }))[0]?.total)).toBe(9);
});

test("COPY … TO onedrive:// in Parquet, CSV and JSON is uploaded, verified, and reads back equal", async () => {
  const source =
    "SELECT region, sum(revenue)::BIGINT AS total FROM 'onedrive://reports/sales.csv' GROUP BY region ORDER BY region";
  const expected = await query(source, { cache });
  const session = await SqlSession.open({ cache });
  try {
    const copied = await session.run(`COPY (${source}) TO 'onedrive://output/summary.parquet'`);
    expect(copied.stats.filesWritten).toBe(1);
    await session.run(`COPY (${source}) TO 'onedrive://output/summary.csv' (HEADER)`);
    await session.run(`COPY (${source}) TO 'onedrive://output/summary.json' (FORMAT json)`);
    // Nothing of the outputs stays in the session's folder once uploaded.
    expect(await readdir(join(session.workDir, "out")).catch(() => [])).toEqual([]);
  } finally {
    await session.close();
  }
  const asNumbers = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ({ region: r.region, total: Number(r.total) }));
  expect(asNumbers(await readParquet("onedrive://output/summary.parquet"))).toEqual(asNumbers(expected));
  expect(asNumbers(await readCsv("onedrive://output/summary.csv"))).toEqual(asNumbers(expected));
  expect(
    asNumbers(await query("SELECT * FROM 'onedrive://output/summary.json' ORDER BY region", { cache })),
  ).toEqual(asNumbers(expected));
  // PARTITION_BY writes a folder: its tree is uploaded.
  await query(
    `COPY (SELECT * FROM 'onedrive://reports/sales.csv') TO 'onedrive://output/by_region' (FORMAT parquet, PARTITION_BY (region))`,
    { cache },
  );
  const parts = await query(
    "SELECT region, count(*) AS n FROM read_parquet('onedrive://output/by_region/**/*.parquet', hive_partitioning = true) GROUP BY region ORDER BY region",
    { cache },
  );
  expect(parts.map((r) => [r.region, Number(r.n)])).toEqual(REGIONS.toSorted().map((r) => [r, 100]));
});

test("errors: DuckDB's message with the position, a missing file, a glob matching nothing", async () => {
  // SQL that starts with a line break (a template literal's usual shape) runs, and keeps its lines.
  expect(await query("\nSELECT 1::INTEGER AS one", { cache })).toEqual([{ one: 1 }]);
  const second = (await query("\n\n  SELECT nope", { cache }).catch((e: unknown) => e)) as SqlError;
  expect({ line: second.line, column: second.column }).toEqual({ line: 3, column: 10 });
  // The caret and column point into the SQL as written, onedrive:// URL and all.
  const bad = "SELECT nosuch FROM 'onedrive://reports/sales.csv'";
  const error = (await query(bad, { cache }).catch((e: unknown) => e)) as SqlError;
  expect(error).toBeInstanceOf(SqlError);
  expect(error.code).toBe("sql_error");
  expect(error.message).toMatch(/Referenced column "nosuch" not found/);
  expect(error.message).toContain("LINE 1: SELECT nosuch FROM 'onedrive://reports/sales.csv'");
  expect(error.message).not.toMatch(/\.ferry-\d|sql-cache/);
  expect({ line: error.line, column: error.column }).toEqual({ line: 1, column: bad.indexOf("nosuch") + 1 });

  const script =
    "SELECT 1;\n-- a comment with 'onedrive://not/a/path.csv'\nSELECT region FROM 'onedrive://reports/sales.csv' WHER region = 'x'";
  const syntax = (await query(script, { cache }).catch((e: unknown) => e)) as SqlError;
  expect(syntax.message).toMatch(/syntax error at or near "region"/);
  const third = script.split("\n")[2] as string;
  expect({ line: syntax.line, column: syntax.column }).toEqual({
    line: 3,
    column: third.indexOf("region =") + 1,
  });

  const missing = (await query("SELECT * FROM 'onedrive://reports/nope.csv'", { cache }).catch(
    (e: unknown) => e,
  )) as SqlError;
  expect(missing.code).toBe("not_found");
  expect(missing.message).toBe("onedrive://reports/nope.csv does not exist on OneDrive");

  const none = (await query("SELECT * FROM read_csv('onedrive://reports/*.xlsx')", { cache }).catch(
    (e: unknown) => e,
  )) as SqlError;
  expect(none.code).toBe("no_match");
  expect(none.message).toBe("onedrive://reports/*.xlsx matched no files on OneDrive");
});

test("without DuckDB installed, SQL fails with one line saying how to install it", async () => {
  const error = (await importDuckDB("@duckdb/not-installed-here").catch((e: unknown) => e)) as SqlError;
  expect(error).toBeInstanceOf(SqlError);
  expect(error.code).toBe("duckdb_missing");
  expect(error.message).toMatch(
    /^SQL needs DuckDB, which is not installed here: run `npm install @duckdb\/not-installed-here@[\d.]+-r\.\d+`/,
  );
  expect(error.message).not.toContain("\n");
});

test("Parquet naming two of 20 columns moves their chunks once; the same query again, or a file cached whole, moves nothing", async () => {
  const columns: Record<string, Float64Array> = {};
  let x = 7;
  for (let c = 0; c < 20; c++) {
    const values = new Float64Array(250_000);
    for (let i = 0; i < values.length; i++) {
      x = (x * 48271) % 2147483647;
      values[i] = x / 2147483647;
    }
    columns[`c${String(c).padStart(2, "0")}`] = values;
  }
  const info = await writeParquet("onedrive://wide/w.parquet", tableFromArrays(columns), {
    codec: "UNCOMPRESSED",
    rowGroupSize: 50_000,
  });
  const fresh = new ReadCache({ dir: join(stack.home, "sql-cache-parquet") });
  const sql =
    "SELECT round(avg(c07), 6) AS m, count(*) AS n FROM 'onedrive://wide/w.parquet' WHERE c03 > 0.5";
  await stack.emu.admin.resetCounters();
  const session = await SqlSession.open({ cache: fresh });
  let projected: Awaited<ReturnType<SqlSession["run"]>>;
  let whole: Awaited<ReturnType<SqlSession["run"]>>;
  try {
    projected = await session.run(sql);
    const one = await traffic();
    // The projection is cached too: the same query in a new session moves no content bytes.
    await stack.emu.admin.resetCounters();
    const again = await query(sql, { cache: fresh });
    const twice = await traffic();
    expect(again).toEqual(projected.rows);
    expect(twice.content).toBe(0);
    // SELECT * cannot be projected: the whole file goes into the cache, and the same SQL then reads it from there.
    await session.run("SELECT count(*) FROM (SELECT * FROM 'onedrive://wide/w.parquet')");
    await stack.emu.admin.resetCounters();
    whole = await session.run(sql);
    const cached = await traffic();
    await stack.emu.admin.resetCounters();
    const rows = await readParquet<{ c07: number; c03: number }>("onedrive://wide/w.parquet", {
      columns: ["c07", "c03"],
    });
    const ranged = await traffic();
    console.log(
      `parquet projection, ${info.size} bytes, 2 of 20 columns: query() ${one.bytesOut} bytes ` +
        `(${((100 * one.bytesOut) / info.size).toFixed(1)}%, ${one.content} range requests); again ${twice.bytesOut}; once cached whole ${cached.bytesOut}; ` +
        `readParquet({ columns }) ${ranged.bytesOut} (${((100 * ranged.bytesOut) / info.size).toFixed(1)}%)`,
    );
    expect(projected.stats).toMatchObject({ filesRead: 1, filesProjected: 1 });
    expect(one.bytesOut).toBeLessThan(info.size * 0.15);
    expect(one.bytesOut).toBeGreaterThan((info.size * 2) / 20);
    expect(whole.stats).toMatchObject({ filesRead: 1, filesProjected: 0, cacheHits: 1, bytesDownloaded: 0 });
    expect(cached.content).toBe(0);
    expect(whole.rows).toEqual(projected.rows);
    const matching = rows.filter((r) => r.c03 > 0.5);
    expect(Number(projected.rows[0]?.n)).toBe(matching.length);
    expect(Number(projected.rows[0]?.m)).toBeCloseTo(
      matching.reduce((n, r) => n + r.c07, 0) / matching.length,
      5,
    );
    // A column the parse tree cannot show (COLUMNS(…) picks by pattern) turns projection off: still right.
    const byPattern = await session.run("SELECT max(COLUMNS('c1[0-9]')) FROM 'onedrive://wide/w.parquet'");
    expect(Object.keys(byPattern.rows[0] ?? {})).toHaveLength(10);
    // A table used as a column is its whole row: every column, never a projection's few.
    const rowsAsStructs = await query(
      "SELECT t FROM read_parquet('onedrive://wide/w.parquet') t WHERE c03 > 0.99 LIMIT 1",
      {
        cache: new ReadCache({ dir: join(stack.home, "sql-cache-parquet-2") }),
      },
    );
    expect(Object.keys(rowsAsStructs[0]?.t as object)).toHaveLength(20);
  } finally {
    await session.close();
  }
});
