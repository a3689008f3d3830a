// The `ferry` command tree. Each command lives in its own file under commands/; this file only
// assembles them and sets what every command shares (--debug, exit codes, help on errors).

import { Command } from "commander";
import { registerAccount } from "./commands/account.ts";
import { registerAdmin } from "./commands/admin.ts";
import { registerCache } from "./commands/cache.ts";
import { registerCompletion } from "./commands/completion.ts";
import { registerDev } from "./commands/dev.ts";
import { registerFiles } from "./commands/files.ts";
import { registerIntegrations } from "./commands/integrations.ts";
import { registerRun } from "./commands/run.ts";
import { registerSecrets } from "./commands/secrets.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSql } from "./commands/sql.ts";
import { registerSync } from "./commands/sync.ts";

export function buildProgram(): Command {
  const program = new Command("ferry")
    .description("Connect OneDrive once; copy, sync and read its files; run TypeScript UDFs against it")
    .version("0.1.0")
    .option("--debug", "print stack traces on errors")
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      "\nExamples:\n  ferry dev --seed-demo-files          # local emulator + broker, logged in\n  ferry integrations onedrive connect\n  ferry ls -l onedrive://reports\n  ferry sync ./data onedrive://backup/data\n  ferry run my_udf.ts --csv\n  ferry sql \"SELECT region, sum(revenue) FROM 'onedrive://reports/*.csv' GROUP BY 1\"\n\nExit codes: 0 success, 1 failure, 2 usage error. NO_COLOR turns colour off.",
    );
  registerIntegrations(program);
  registerAccount(program);
  registerServe(program);
  registerAdmin(program);
  registerDev(program);
  registerFiles(program);
  registerSync(program);
  registerRun(program);
  registerSecrets(program);
  registerSql(program);
  registerCache(program);
  registerCompletion(program);
  // Every command, however deep, exits through cli.ts rather than process.exit, and accepts --debug.
  const configure = (command: Command) => {
    command.exitOverride();
    if (command !== program) command.option("--debug", "print stack traces on errors");
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  return program;
}
