// `ferry sql` through the real binary against `ferry dev` with the demo files: a table, --json,
// --csv, --file, SQL piped on stdin, COPY TO onedrive://, an error with DuckDB's caret, `ferry cache
// info|clear`, and the interactive prompt in tmux, with its history recalled by the up arrow.

import { execFileSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connectOneDrive, type Dev, FERRY_NODE_ARGS, ferry, startDev, tempDir } from "./ferry.ts";

let home: string;
let dev: Dev;
const run = (...args: string[]) => ferry(args, { home });
const Q1 =
  "SELECT region, round(sum(revenue), 2) AS revenue, sum(orders) AS orders FROM 'onedrive://reports/q1.csv' GROUP BY region ORDER BY region";

beforeAll(async () => {
  home = await tempDir("ferry-cli-sql-");
  dev = await startDev(home, ["--seed-demo-files"]);
  expect((await connectOneDrive(home)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await rm(home, { recursive: true, force: true });
});

test("ferry sql prints a table, --json and --csv, from --file and from stdin", async () => {
  const table = await run("sql", Q1);
  expect(table.stderr).toBe("");
  expect(table.code).toBe(0);
  const lines = table.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^REGION\s+REVENUE\s+ORDERS$/);
  expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["East", "North", "South", "West"]);

  const json = JSON.parse((await run("sql", "--json", Q1)).stdout) as { region: string; orders: number }[];
  expect(json.map((r) => r.region)).toEqual(["East", "North", "South", "West"]);
  expect(typeof json[0]?.orders).toBe("number");

  const csv = (await run("sql", "--csv", Q1)).stdout.trimEnd().split("\n");
  expect(csv[0]).toBe("region,revenue,orders");
  expect(csv).toHaveLength(5);

  const file = join(home, "q1.sql");
  await writeFile(file, `-- revenue by region; a ';' in a comment is not the end\n${Q1};\n`);
  expect(JSON.parse((await run("sql", "--file", file, "--json")).stdout)).toEqual(json);

  const piped = execFileSync(process.execPath, [...FERRY_NODE_ARGS, "sql", "--json"], {
    input: `${Q1};`,
    env: { ...process.env, FERRY_HOME: home, NO_COLOR: "1" },
    encoding: "utf8",
  });
  expect(JSON.parse(piped)).toEqual(json);
});

test("COPY … TO onedrive:// uploads the result; a SQL error shows DuckDB's message and where", async () => {
  const copy = await run("sql", `COPY (${Q1}) TO 'onedrive://output/by_region.parquet'`);
  expect(copy.code).toBe(0);
  const back = JSON.parse(
    (await run("sql", "--json", "SELECT * FROM 'onedrive://output/by_region.parquet'")).stdout,
  );
  expect(back).toEqual(JSON.parse((await run("sql", "--json", Q1)).stdout));

  const bad = await run("sql", "SELECT regio FROM 'onedrive://reports/q1.csv'");
  expect(bad.code).toBe(1);
  const [first, line, caret] = bad.stderr.split("\n");
  expect(first).toMatch(
    /^ferry: Binder Error: Referenced column "regio" not found in FROM clause! \(line 1, column 8\)$/,
  );
  expect(line).toBe("LINE 1: SELECT regio FROM 'onedrive://reports/q1.csv'");
  expect(caret?.indexOf("^")).toBe("LINE 1: ".length + "SELECT ".length);

  const missing = await run("sql", "SELECT * FROM 'onedrive://reports/q9.csv'");
  expect(missing.stderr).toBe("ferry: onedrive://reports/q9.csv does not exist on OneDrive\n");
  const none = await run("sql", "SELECT * FROM 'onedrive://reports/*.tsv'");
  expect(none.stderr).toBe("ferry: onedrive://reports/*.tsv matched no files on OneDrive\n");
});

test("ferry cache info shows the files SQL read, and clear empties it", async () => {
  await run("sql", Q1);
  const info = JSON.parse((await run("cache", "info", "--json")).stdout) as {
    dir: string;
    files: { remotePath: string }[];
  };
  expect(info.dir).toBe(join(home, "cache"));
  expect(info.files.map((f) => f.remotePath)).toContain("reports/q1.csv");
  const text = await run("cache", "info");
  expect(text.stdout).toMatch(/onedrive:\/\/reports\/q1\.csv/);
  const cleared = await run("cache", "clear");
  expect(cleared.stdout).toMatch(/^removed \d+ files?, /);
  expect(JSON.parse((await run("cache", "info", "--json")).stdout).entries).toBe(0);
});

test("the prompt runs statements ended by ;, across lines, and recalls history with the up arrow", async () => {
  const socket = `ferry-sql-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const command = `env -u FERRY_URL -u FERRY_API_KEY FERRY_HOME='${home}' NO_COLOR=1 '${process.execPath}' ${FERRY_NODE_ARGS.map((a) => `'${a}'`).join(" ")} sql; echo FERRY_EXIT=$?; sleep 600`;
  // -l: the text literally; a trailing ";" still ends a tmux command unless escaped as "\;".
  const type = (text: string) => {
    tmux("send-keys", "-t", "sql", "-l", text.replace(/;$/, "\\;"));
    tmux("send-keys", "-t", "sql", "Enter");
  };
  const pane = () => tmux("capture-pane", "-p", "-J", "-t", "sql");
  const waitFor = async (pattern: RegExp) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const text = pane();
      if (pattern.test(text)) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${pattern}; pane:\n${pane()}`);
  };
  try {
    tmux("new-session", "-d", "-s", "sql", "-x", "160", "-y", "40", command);
    await waitFor(/ferry sql> $/m);
    type("SELECT count(*) AS months");
    await waitFor(/\.\.\.> $/m);
    type("FROM 'onedrive://reports/q1.csv';");
    await waitFor(/^MONTHS\s*\n12\s*\n1 row[^\n]*\nferry sql> $/m);
    type("SELECT nope;");
    await waitFor(
      /error: Binder Error: Referenced column "nope"[^\n]*\nLINE 1: SELECT nope\n\s+\^\s*\nferry sql> $/m,
    );
    // Up twice: the first statement again, joined to one line, and it runs again.
    tmux("send-keys", "-t", "sql", "Up", "Up", "Enter");
    const again = await waitFor(/(^MONTHS\s*\n12\s*\n1 row[^\n]*\nferry sql> [\s\S]*){2}/m);
    expect(again).toContain("ferry sql> SELECT count(*) AS months FROM 'onedrive://reports/q1.csv';");
    type(".quit");
    await waitFor(/FERRY_EXIT=0/);
  } finally {
    try {
      tmux("kill-server");
    } catch {}
  }
  const history = await readFile(join(home, "sql_history"), "utf8");
  expect(history.split("\n")).toContain("SELECT count(*) AS months FROM 'onedrive://reports/q1.csv';");
});
