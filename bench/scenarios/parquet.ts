// Scenario 5: one column of a 20-column Parquet file: Ferry's readParquet over range reads against
// downloading the whole file and parsing it.
import { createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { writeParquet } from "@ferry/fs";
import { tableFromArrays } from "apache-arrow";
import { check, rowOf, type Scenario, times } from "../lib/harness.ts";

const PARQUET_COLUMNS = 20;

const path = "bench/wide.parquet";
const localFile = (tmp: string, rows: number) => join(tmp, `wide-${rows}.parquet`);

export const parquet: Scenario = {
  id: "parquet",
  title: (s) => `Parquet: 1 of ${PARQUET_COLUMNS} columns, ${s.parquetRows.toLocaleString("en")} rows`,
  contenders: ["ferry", "sdk", "limit"],
  async prepare(ctx) {
    const file = localFile(ctx.tmp, ctx.sizes.parquetRows);
    await writeWideParquet(file, ctx.sizes.parquetRows);
    await ctx.emu.admin.putFile(
      "personal",
      path,
      Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>,
    );
  },
  async args(ctx, contender) {
    const size = statSync(localFile(ctx.tmp, ctx.sizes.parquetRows)).size;
    const args = { path, column: "c0", size };
    if (contender !== "limit") return args;
    const item = await ctx.graph("GET", `me/drive/root:/${path}`);
    return { ...args, downloadUrl: item["@microsoft.graph.downloadUrl"] };
  },
  targets(rows, profile) {
    const ferry = rowOf(rows, "ferry");
    // The baseline is the better of the two whole-file contenders.
    const whole = [rowOf(rows, "sdk"), rowOf(rows, "limit")].filter((r) => r !== undefined);
    const fewestBytes = whole.length ? Math.min(...whole.map((r) => r.bytesOut)) : undefined;
    const fastest = whole.length ? Math.min(...whole.map((r) => r.seconds)) : undefined;
    const checks = [
      check(
        "≤ 15% of the whole file's bytes",
        ferry && fewestBytes ? ferry.bytesOut / fewestBytes : undefined,
        (v) => v <= 0.15,
        (v) => `${(v * 100).toFixed(1)}%`,
      ),
    ];
    if (profile.id === "wan")
      checks.push(
        check(
          "≥ 5× whole-file download + parse",
          ferry && fastest ? fastest / ferry.seconds : undefined,
          (v) => v >= 5,
          times,
        ),
      );
    return checks;
  },
};

/**
 * Writes a 20-column file of random doubles (160 bytes a row, incompressible, so the file is as
 * big as its data), uncompressed, in hyparquet-writer's default row groups. Kept if present.
 */
async function writeWideParquet(path: string, rows: number): Promise<void> {
  if (existsSync(path)) return;
  const columns: Record<string, Float64Array> = {};
  for (let c = 0; c < PARQUET_COLUMNS; c++) {
    const data = new Float64Array(rows);
    for (let i = 0; i < rows; i++) data[i] = Math.random();
    columns[`c${c}`] = data;
  }
  await writeParquet(pathToFileURL(path).href, tableFromArrays(columns), { codec: "UNCOMPRESSED" });
}
