/** The @ferry/fs reader of a file's format, by extension (as the broker's preview decides), or null. */
export function readerFor(path: string): "readCsv" | "readParquet" | "readJson" | "readNdjson" | null {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (extension === "csv") return "readCsv";
  if (extension === "parquet" || extension === "pq") return "readParquet";
  if (extension === "json") return "readJson";
  if (extension === "ndjson" || extension === "jsonl") return "readNdjson";
  return null;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
