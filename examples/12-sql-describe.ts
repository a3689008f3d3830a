// Example 05 ("read input, write output") in one SQL statement: DuckDB's SUMMARIZE describes every
// column of input/raw.csv (count, mean, std, quartiles, min, max) and COPY writes the result to
// output/summary.csv on OneDrive. Ferry reads the input through its verified cache and uploads the
// output verified; DuckDB comes with the ferry CLI (`npm install @duckdb/node-api` in a plain job).
import { query } from "ferry";

export default async () => {
  await query(`
    COPY (
      SELECT column_name, column_type, count, null_percentage, avg, std, min, q25, q50, q75, max
      FROM (SUMMARIZE SELECT * FROM 'onedrive://input/raw.csv')
    ) TO 'onedrive://output/summary.csv' (HEADER)
  `);
  return query("SELECT * FROM 'onedrive://output/summary.csv'");
};
