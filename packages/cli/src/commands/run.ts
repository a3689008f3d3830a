// `ferry run FILE.ts`: the UDF runner. The CLI itself is compiled JavaScript; tsx is loaded only here, and only
// for a TypeScript file, so every other command starts without it. Inside the UDF `onedriveConnect()` and
// `onedrive://` paths find the broker through FERRY_HOME's credentials file, exactly as in a standalone job.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { CliError, EXIT_FAILURE, UsageError } from "../errors.ts";
import { formatCsv, printJson, printTable, type Row } from "../output.ts";

export function registerRun(program: Command): void {
  program
    .command("run <file>")
    .description("run a TypeScript file's default export (sync or async) and print what it returns")
    .option("--json", "print the result as JSON")
    .option("--csv", "print the result as CSV")
    .addHelpText(
      "after",
      '\nExamples:\n  ferry run top_cities.ts\n  ferry run summary.ts --csv > summary.csv\nWhere top_cities.ts is:\n  import { readParquet } from "ferry";\n  export default async () => (await readParquet("onedrive://exports/cities.parquet")).slice(0, 3);',
    )
    .action(async (file: string, options: { json?: boolean; csv?: boolean }) => {
      if (options.json && options.csv) throw new UsageError("pick one of --json and --csv");
      const path = resolve(file);
      if (!existsSync(path)) throw new UsageError(`${file} does not exist`);
      const module = await importUdf(file, path);
      if (typeof module.default !== "function") {
        throw new CliError(
          `${file} has no default export function: add \`export default async () => { … }\``,
        );
      }
      const result: unknown = await (module.default as () => unknown)();
      const { isArrowTable, tableToRows } = await import("@ferry/fs");
      const toRows = (value: unknown): Row[] => {
        if (isArrowTable(value)) return tableToRows(value);
        if (Array.isArray(value))
          return value.map((v) =>
            v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Row) : { value: v },
          );
        if (value !== null && typeof value === "object") return [value as Row];
        return [{ value }];
      };
      if (result === undefined) return;
      if (options.json) return printJson(isArrowTable(result) ? toRows(result) : result);
      const rows = toRows(result);
      if (options.csv) process.stdout.write(formatCsv(rows));
      else printTable(rows);
    });
}

/**
 * Loads the UDF as an ES module. Outside a package whose package.json says `"type": "module"`, a
 * `.ts` file is loaded as CommonJS, and its `import … from "ferry"` then fails deep inside the
 * loader with "require() of ES Module … in a cycle"; say what to do instead.
 */
async function importUdf(file: string, path: string): Promise<{ default?: unknown }> {
  if (/\.[cm]?tsx?$/.test(path)) {
    const { register } = await import("tsx/esm/api");
    register();
  }
  try {
    return (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (
      code === "ERR_REQUIRE_CYCLE_MODULE" ||
      code === "ERR_REQUIRE_ESM" ||
      /require\(\) (of )?ES Module/i.test(String(error))
    ) {
      throw new CliError(
        `${file} was loaded as CommonJS, so it cannot import ES modules such as "ferry": rename it to .mts, or put it in a folder whose package.json has "type": "module"`,
        EXIT_FAILURE,
        { cause: error },
      );
    }
    throw error;
  }
}
