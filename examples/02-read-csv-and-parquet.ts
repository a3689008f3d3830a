// Read a CSV and a Parquet file through onedrive:// paths.
import { readCsv, readParquet } from "ferry";

export default async () => {
  const q1 = await readCsv("onedrive://reports/q1.csv");
  console.log(`reports/q1.csv: ${q1.length} rows, columns ${Object.keys(q1[0] ?? {}).join(", ")}`);
  const cities = await readParquet("onedrive://exports/cities.parquet");
  console.log(`exports/cities.parquet: ${cities.length} rows`);
  return cities.slice(0, 3);
};
