// Read input/raw.csv, compute summary statistics per numeric column (like pandas' describe()), and
// write output/summary.csv back, then print the file as read back from the drive.
import { fs, readCsv, writeCsv } from "ferry";

/** pandas' quantile: linear interpolation between the closest ranks. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function describe(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  // Sample standard deviation (ddof=1), as pandas computes it.
  const std = n > 1 ? Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return {
    count: n,
    mean,
    std,
    min: sorted[0]!,
    "25%": quantile(sorted, 0.25),
    "50%": quantile(sorted, 0.5),
    "75%": quantile(sorted, 0.75),
    max: sorted[n - 1]!,
  };
}

export default async () => {
  const rows = await readCsv<Record<string, string>>("onedrive://input/raw.csv");
  const columns = Object.keys(rows[0] ?? {});
  // A column is numeric when every non-empty value parses as a number (pandas infers the same).
  const numeric = columns.filter((c) =>
    rows.every((r) => (r[c] ?? "").trim() === "" || Number.isFinite(Number(r[c]))),
  );
  const stats = Object.fromEntries(
    numeric.map((c) => [
      c,
      describe(
        rows
          .map((r) => (r[c] ?? "").trim())
          .filter((v) => v !== "")
          .map(Number),
      ),
    ]),
  );
  const summary = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"].map((stat) => ({
    statistic: stat,
    ...Object.fromEntries(numeric.map((c) => [c, stats[c]![stat]])),
  }));
  await writeCsv("onedrive://output/summary.csv", summary);
  console.log(
    `output/summary.csv on OneDrive:\n${new TextDecoder().decode(await fs.cat("output/summary.csv"))}`,
  );
};
