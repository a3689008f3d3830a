// Writing Parquet: compute rows, write them to onedrive://, and read the file back.
import { readCsv, readParquet, writeParquet } from "ferry";

export default async () => {
  const q1 = await readCsv<Record<string, string>>("onedrive://reports/q1.csv");
  const byRegion = new Map<string, number>();
  for (const row of q1) byRegion.set(row.region!, (byRegion.get(row.region!) ?? 0) + Number(row.revenue));
  const rows = [...byRegion].map(([region, revenue]) => ({
    region,
    revenue: Math.round(revenue * 100) / 100,
  }));
  const written = await writeParquet("onedrive://output/revenue_by_region.parquet", rows);
  console.log(`wrote ${written.name} (${written.size} bytes)`);
  return readParquet("onedrive://output/revenue_by_region.parquet");
};
