// `ferry sync`: see sync.ts.

import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { printJson } from "../output.ts";

export function registerSync(program: Command): void {
  program
    .command("sync <src> <dst>")
    .description("make DST's files equal SRC's, copying only what differs (size, then QuickXorHash)")
    .option("--dry-run", "print what would be copied and deleted, and change nothing")
    .option("--delete", "also delete files in DST that SRC does not have")
    .option("--transfers <n>", "files in flight at once", "4")
    .option("--json", "print the plan as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry sync ./data onedrive://backup/data\n  ferry sync --dry-run --delete onedrive://reports ./reports\n  ferry sync --transfers 8 ./photos onedrive://Photos\nPaths: onedrive://folder for the connected OneDrive, anything else is local.",
    )
    .action(
      async (
        srcText: string,
        dstText: string,
        options: { dryRun?: boolean; delete?: boolean; transfers: string; json?: boolean },
      ) => {
        const transfers = Number(options.transfers);
        if (!Number.isInteger(transfers) || transfers < 1 || transfers > 64)
          throw new UsageError(`--transfers ${options.transfers}: use a number from 1 to 64`);
        const [{ locate }, { planSync, runSync }] = await Promise.all([
          import("../locations.ts"),
          import("../sync.ts"),
        ]);
        const src = locate(srcText);
        const dst = locate(dstText);
        if (!(await src.fs.isDir(src.path)))
          throw new UsageError(`${srcText} is not a folder: sync works on folders`);
        const plan = await planSync(src, dst, { delete: options.delete === true, transfers });
        if (!options.dryRun) await runSync(src, dst, plan, transfers);
        if (options.json) {
          return printJson({
            dryRun: options.dryRun === true,
            copied: plan.copy.map((c) => ({ path: c.rel, reason: c.reason, size: c.size })),
            deleted: plan.delete.map((d) => d.rel),
            unchanged: plan.unchanged,
          });
        }
        const verb = options.dryRun ? "would " : "";
        for (const c of plan.copy) process.stdout.write(`${verb}copy ${c.rel} (${c.reason})\n`);
        for (const d of plan.delete) process.stdout.write(`${verb}delete ${d.rel}\n`);
        process.stdout.write(
          `${options.dryRun ? "Dry run: " : ""}${plan.copy.length} to copy, ${plan.delete.length} to delete, ${plan.unchanged} unchanged\n`,
        );
      },
    );
}
