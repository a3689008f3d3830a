// `ferry cache info|clear`: the local read cache (FERRY_CACHE_DIR, else $FERRY_HOME/cache) that
// `{ cache: true }` reads and `ferry sql` go through. Both work without a broker: the cache is local.

import type { Command } from "commander";
import { humanBytes, printJson, printTable } from "../output.ts";

export function registerCache(program: Command): void {
  const cache = program
    .command("cache")
    .description(
      "show or empty the local read cache of OneDrive files (FERRY_CACHE_DIR, else $FERRY_HOME/cache)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ferry cache info\n  ferry cache clear\n" +
        'In a job: await readFile("onedrive://data/big.parquet", { cache: true }), or set FERRY_CACHE_DIR.',
    );
  cache
    .command("info")
    .description("where the cache is, its size against its cap, and its entries by last use")
    .option("--json", "print as JSON")
    .option("--dir <dir>", "the cache folder (default FERRY_CACHE_DIR, else $FERRY_HOME/cache)")
    .addHelpText("after", "\nExamples:\n  ferry cache info\n  ferry cache info --json | jq .bytes")
    .action(async (options: { json?: boolean; dir?: string }) => {
      const { ReadCache } = await import("@ferry/fs");
      const stats = await new ReadCache(options.dir ? { dir: options.dir } : {}).info();
      if (options.json) return printJson(stats);
      process.stdout.write(
        `${stats.dir}: ${stats.entries} file${stats.entries === 1 ? "" : "s"}, ${humanBytes(stats.bytes)} of ${humanBytes(stats.maxBytes)}` +
          `${stats.partialBytes > 0 ? `, ${humanBytes(stats.partialBytes)} being downloaded` : ""}\n`,
      );
      printTable(
        [...stats.files].reverse().map((f) => ({
          // A variant is derived from the file (SQL's Parquet projection: some of its columns).
          path: `onedrive://${f.remotePath}${f.variant ? " (some columns)" : ""}`,
          size: humanBytes(f.size),
          used: f.lastUsed.toISOString().replace(/\.\d+Z$/, "Z"),
        })),
      );
    });
  cache
    .command("clear")
    .description("remove every cached file (files other processes are reading stay readable to them)")
    .option("--dir <dir>", "the cache folder (default FERRY_CACHE_DIR, else $FERRY_HOME/cache)")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry cache clear\n  FERRY_CACHE_DIR=/scratch/ferry ferry cache clear",
    )
    .action(async (options: { dir?: string }) => {
      const { ReadCache } = await import("@ferry/fs");
      const { entries, bytes } = await new ReadCache(options.dir ? { dir: options.dir } : {}).clear();
      process.stdout.write(`removed ${entries} file${entries === 1 ? "" : "s"}, ${humanBytes(bytes)}\n`);
    });
}
