// Parquet column projection: only the requested columns' chunks are fetched from OneDrive.
import { readParquet } from "ferry";

export default async () => readParquet("onedrive://exports/cities.parquet", { columns: ["name", "pop"] });
