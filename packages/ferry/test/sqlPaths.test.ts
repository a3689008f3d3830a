// Which string literals are onedrive:// paths, read or written: the tokenizer never takes text in
// comments, identifiers or other strings for one; and which Parquet columns a SELECT needs, from
// DuckDB's own parse tree.

import { DuckDBInstance } from "@duckdb/node-api";
import { expect, test } from "vitest";
import { oneDrivePaths } from "../src/sql/oneDrivePaths.ts";
import { projectionPlan } from "../src/sql/parquetProjection.ts";
import { splitStatements, sqlEndsStatement } from "../src/sql/sqlTokens.ts";

const paths = (sql: string) =>
  splitStatements(sql).map((s) =>
    oneDrivePaths(s).map((p) => [p.mode, p.path, p.glob, sql.slice(p.start, p.end)]),
  );

test("literals in comments, identifiers, dollar quotes and other strings are not paths", () => {
  const sql = `-- FROM 'onedrive://in/comment.csv';
    /* nested /* 'onedrive://in/block.csv' */ still comment 'onedrive://x.csv' */
    SELECT 'it''s onedrive://not-a-path' AS s, "onedrive://ident" FROM 'onedrive://a/b.csv';
    SELECT * FROM read_csv(['onedrive://l/1.csv', E'onedrive://l/\\x32.csv']) WHERE x = $$ 'onedrive://dollar.csv' $$;
    COPY (SELECT 1) TO 'onedrive:///out//x.parquet' (FORMAT parquet); COPY t FROM 'onedrive://in/t.csv'`;
  expect(paths(sql)).toEqual([
    [["read", "a/b.csv", false, "'onedrive://a/b.csv'"]],
    [
      ["read", "l/1.csv", false, "'onedrive://l/1.csv'"],
      ["read", "l/x32.csv", false, "E'onedrive://l/\\x32.csv'"],
    ],
    [["write", "out/x.parquet", false, "'onedrive:///out//x.parquet'"]],
    [["read", "in/t.csv", false, "'onedrive://in/t.csv'"]],
  ]);
  expect(paths("SELECT * FROM 'onedrive://r/**/*.csv'")[0]?.[0]?.[2]).toBe(true);
});

test("a statement ends at a ; outside strings and comments", () => {
  expect(sqlEndsStatement("SELECT 1;")).toBe(true);
  expect(sqlEndsStatement("SELECT ';'")).toBe(false);
  expect(sqlEndsStatement("SELECT 1 -- ;")).toBe(false);
  expect(sqlEndsStatement("SELECT 1; -- done")).toBe(true);
});

test("the columns a SELECT needs, from DuckDB's parse tree; a star or a whole-row reference needs all", async () => {
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  const plan = async (sql: string) => {
    const reader = await connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [sql]);
    return projectionPlan(String(reader.getRows()[0]?.[0]));
  };
  const p = await plan(
    "SELECT a, s.x, count(*) FROM read_parquet('onedrive://w.parquet') w JOIN 'onedrive://v.parquet' USING (k) WHERE b > 1 GROUP BY ALL",
  );
  expect([...(p?.names ?? [])].sort()).toEqual(["a", "b", "k", "s", "x"]);
  expect([...(p?.parquetUrls ?? [])].sort()).toEqual(["onedrive://v.parquet", "onedrive://w.parquet"]);
  expect(await plan("SELECT * FROM 'onedrive://w.parquet'")).toBeUndefined();
  expect(await plan("SELECT COLUMNS('c.*') FROM 'onedrive://w.parquet'")).toBeUndefined();
  expect(await plan("SELECT t FROM 'onedrive://w.parquet' t")).toBeUndefined();
  expect(await plan("SELECT to_json(w) FROM 'onedrive://w.parquet'")).toBeUndefined();
  expect(
    await plan("SELECT a FROM 'onedrive://w.parquet' NATURAL JOIN 'onedrive://v.parquet'"),
  ).toBeUndefined();
  // A URL also used outside a Parquet scan is not projected.
  const mixed = await plan("SELECT a, 'onedrive://w.parquet' AS src FROM 'onedrive://w.parquet'");
  expect(mixed?.parquetUrls.size).toBe(0);
  connection.closeSync();
});
