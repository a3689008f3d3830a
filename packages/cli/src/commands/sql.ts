// `ferry sql`: DuckDB SQL over onedrive:// paths and globs (the `ferry` package's SqlSession).
// With a statement or --file it runs the script and prints the last statement's rows; with
// neither, on a terminal it opens a prompt (history in $FERRY_HOME/sql_history), and with piped
// input it runs what arrives on stdin. DuckDB is loaded only by this command.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { CliError, UsageError } from "../errors.ts";
import { formatCsv, formatTable, humanBytes, paint, printJson, type Row } from "../output.ts";

interface SqlOptions {
  file?: string;
  json?: boolean;
  csv?: boolean;
}

export function registerSql(program: Command): void {
  program
    .command("sql [statement]")
    .description("run DuckDB SQL in which onedrive:// paths and globs are files; no statement opens a prompt")
    .option("-f, --file <file>", "run the SQL in this file")
    .option("--json", "print the rows as JSON")
    .option("--csv", "print the rows as CSV")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  ferry sql \"SELECT region, sum(revenue) FROM 'onedrive://reports/*.csv' GROUP BY region\"",
        "  ferry sql --csv \"SELECT * FROM read_parquet('onedrive://exports/**/*.parquet') LIMIT 10\"",
        "  ferry sql \"COPY (SELECT * FROM 'onedrive://data/in.csv') TO 'onedrive://output/out.parquet'\"",
        "  ferry sql --file report.sql --json",
        "  ferry sql                      # a prompt; end statements with ;  (.help, .quit)",
        "",
        "Files are read through the local read cache (FERRY_CACHE_DIR, else $FERRY_HOME/cache): a file",
        "unchanged since the last query costs one metadata request and no download.",
      ].join("\n"),
    )
    .action(async (statement: string | undefined, options: SqlOptions) => {
      if (options.json && options.csv) throw new UsageError("pick one of --json and --csv");
      if (statement !== undefined && options.file)
        throw new UsageError("give a statement or --file, not both");
      const { SqlSession } = await import("ferry");
      const session = await SqlSession.open().catch((error: unknown) => {
        throw asCliError(error);
      });
      try {
        if (statement !== undefined || options.file) {
          const sql = statement ?? (await readScript(options.file as string));
          await runAndPrint(session, sql, options);
        } else if (process.stdin.isTTY) {
          await prompt(session, options);
        } else {
          await runAndPrint(session, await readStdin(), options);
        }
      } finally {
        await session.close();
      }
    });
}

type Session = Awaited<ReturnType<typeof import("ferry")["SqlSession"]["open"]>>;

async function runAndPrint(session: Session, sql: string, options: SqlOptions): Promise<void> {
  let result: Awaited<ReturnType<Session["run"]>>;
  try {
    result = await session.run(sql);
  } catch (error) {
    throw asCliError(error);
  }
  const rows = result.rows.map(plainRow);
  const columns = result.columns.map((c) => c.name);
  if (options.json) printJson(rows);
  else if (options.csv) process.stdout.write(rows.length > 0 ? formatCsv(rows) : `${columns.join(",")}\n`);
  else {
    const table = formatTable(rows, columns);
    if (table !== "") process.stdout.write(`${table}\n`);
    if (process.stderr.isTTY) process.stderr.write(`${paint("dim", summary(result), process.stderr)}\n`);
  }
}

/** "4 rows · 50 files read (50 from the cache), 0 B downloaded". */
function summary(result: Awaited<ReturnType<Session["run"]>>): string {
  const { stats } = result;
  const parts = [`${result.rows.length} row${result.rows.length === 1 ? "" : "s"}`];
  if (stats.filesRead > 0)
    parts.push(
      `${stats.filesRead} file${stats.filesRead === 1 ? "" : "s"} read (${stats.cacheHits} from the cache` +
        `${stats.filesProjected > 0 ? `, ${stats.filesProjected} Parquet by projection` : ""}), ${humanBytes(stats.bytesDownloaded)} downloaded`,
    );
  if (stats.filesWritten > 0)
    parts.push(
      `${stats.filesWritten} file${stats.filesWritten === 1 ? "" : "s"} uploaded, ${humanBytes(stats.bytesUploaded)}`,
    );
  return parts.join(" · ");
}

/** The prompt: statements end at `;`, history kept between runs, errors printed and the prompt goes on. */
async function prompt(session: Session, options: SqlOptions): Promise<void> {
  const { createInterface } = await import("node:readline");
  const { ferryHome } = await import("ferry");
  const historyFile = join(ferryHome(), "sql_history");
  const history = await readFile(historyFile, "utf8")
    .then((text) => text.split("\n").filter(Boolean).reverse())
    .catch(() => [] as string[]);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    history,
    historySize: 1000,
    removeHistoryDuplicates: true,
    prompt: "ferry sql> ",
  });
  process.stdout.write(
    'DuckDB SQL over onedrive:// paths. End statements with ";". .help for help, .quit or Ctrl-D to leave.\n',
  );
  let buffer = "";
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (buffer === "" && trimmed.startsWith(".")) {
      if (trimmed === ".quit" || trimmed === ".exit") break;
      process.stdout.write(
        "Statements end with ;. Paths: 'onedrive://folder/file.csv', globs 'onedrive://folder/**/*.parquet'.\n" +
          "COPY (…) TO 'onedrive://output/x.parquet' uploads the result. .quit leaves.\n",
      );
      rl.prompt();
      continue;
    }
    buffer += `${buffer === "" ? "" : "\n"}${line}`;
    if (!(await complete(buffer))) {
      rl.setPrompt("      ...> ");
      rl.prompt();
      continue;
    }
    const sql = buffer;
    buffer = "";
    rememberStatement(rl, sql);
    await appendHistory(historyFile, sql);
    // Input waits while the statement runs: keys typed meanwhile must not be echoed into the
    // middle of the output, and readline must not redraw its line over rows being printed.
    rl.pause();
    try {
      await runAndPrint(session, sql, options);
    } catch (error) {
      const { message, detail } = error as CliError;
      process.stderr.write(
        `${paint("red", `error: ${message}`, process.stderr)}\n${detail ? `${detail}\n` : ""}`,
      );
    }
    rl.setPrompt("ferry sql> ");
    rl.prompt();
  }
  rl.close();
}

/**
 * The up arrow recalls statements, not the lines they were typed on: a statement typed over several
 * lines replaces those lines in the prompt's history with itself, on one line.
 */
function rememberStatement(rl: import("node:readline").Interface, sql: string): void {
  const history = (rl as unknown as { history: string[] }).history;
  const lines = sql.split("\n").length;
  if (lines > 1) history.splice(0, lines);
  history.unshift(sql.replaceAll("\n", " "));
}

/** A statement is complete when its last token is `;` (a `;` in a string or comment does not count). */
async function complete(sql: string): Promise<boolean> {
  const { sqlEndsStatement } = await import("ferry");
  return sqlEndsStatement(sql);
}

async function appendHistory(file: string, sql: string): Promise<void> {
  const { appendFile, mkdir } = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  // One history line per statement: the prompt recalls it whole with the up arrow.
  await mkdir(dirname(file), { recursive: true, mode: 0o700 }).catch(() => undefined);
  await appendFile(file, `${sql.replaceAll("\n", " ")}\n`, { mode: 0o600 }).catch(() => undefined);
}

async function readScript(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`${file} does not exist`);
    throw error;
  }
}

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  if (text.trim() === "") throw new UsageError("no SQL: give a statement, --file, or pipe SQL in");
  return text;
}

/** JSON and CSV want plain values: integers that fit as numbers, bigger ones as text. */
function plainRow(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row))
    out[key] =
      typeof value === "bigint"
        ? value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : value.toString()
        : value;
  return out;
}

/** A SqlError as the CLI's one line (with the position), DuckDB's excerpt and caret as detail. */
function asCliError(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== "SqlError") return error;
  const { line, column } = error as Error & { line?: number; column?: number };
  const [first, ...rest] = error.message.split("\n");
  const at = line !== undefined ? ` (line ${line}, column ${column})` : "";
  const detail = rest.filter((l) => /^LINE \d+:|^\s*\^\s*$/.test(l)).join("\n");
  return new CliError(`${first}${at}`, 1, { cause: error, ...(detail ? { detail } : {}) });
}
