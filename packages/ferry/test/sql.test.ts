// query() against the whole stack (emulator ← broker ← job, as `ferry dev` runs it): CSV, Parquet
// and JSON files, a glob over a folder of 100 files, a CSV ⋈ Parquet join, COPY … TO onedrive://
// read back, cache hits and a changed file counted with the emulator's counters, and the errors.

import { readdir } from "node:fs/promises";
import { join } from "node:path";
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
  const count = (re: RegExp) =>
    requests.filter((r) => r.method === "GET" && re.test(r.route)).reduce((n, r) => n + r.count, 0);
  return { bytesOut, content: count(/\/dl\//), metadata: count(/^GET \/drive\/(root|items)/) };
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
