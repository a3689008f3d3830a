// Every code block in README.md whose info string ends in "runnable" (```sh runnable, ```ts runnable) runs here
// against a fresh `ferry dev` stack (startDevStack, demo files seeded, OneDrive connected through the real
// authorization-code flow with the emulator's auto-consent) in a temporary FERRY_HOME, so the docs cannot rot.
// `sh` blocks run in bash with `ferry` on PATH; `ts` blocks are written to a file and run with `ferry run`.
// A block passes when it exits 0 and prints exactly what EXPECTED below says it prints, line by line. Blocks are
// matched by their first line, so moving one within the README keeps its expectation; a new runnable block fails
// until its output is written down here.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connectOneDriveScripted } from "@ferry/broker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type DevStack, startDevStack } from "../src/index.ts";
import { FERRY_NODE_ARGS, ferryEnv, tempDir } from "./ferry.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");

interface Block {
  lang: "sh" | "ts";
  line: number;
  code: string;
}

/**
 * What each runnable block prints, keyed by the block's first line: one pattern per output line, in order. The
 * seeded demo files (`--seed-demo-files`) are fixed, so sizes and contents are known; dates and ids are not.
 */
const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
const exact = (line: string) => new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
const EXPECTED: Record<string, RegExp[]> = {
  "// paths.ts — `ferry run paths.ts` (after `ferry dev --seed-demo-files` and connecting)": [
    exact("same file: true"),
    exact("rows: 12"),
    exact("refused before any request: true"),
  ],
  "ferry ls -l onedrive://reports": [
    /^TYPE +SIZE +MODIFIED +NAME$/,
    new RegExp(`^file +344 +${ISO} +q1\\.csv$`),
    // ferry cat: the seeded q1.csv, byte for byte.
    exact("month,region,revenue,orders"),
    exact("2026-01,North,19919.50,111"),
    exact("2026-01,South,18838.50,142"),
    exact("2026-01,East,17757.50,103"),
    exact("2026-01,West,16676.50,134"),
    exact("2026-02,North,15595.50,95"),
    exact("2026-02,South,14514.50,126"),
    exact("2026-02,East,13433.50,87"),
    exact("2026-02,West,12352.50,118"),
    exact("2026-03,North,20271.50,149"),
    exact("2026-03,South,19190.50,110"),
    exact("2026-03,East,18109.50,141"),
    exact("2026-03,West,17028.50,102"),
    // ferry mkdir and ferry cp print nothing; ferry stat describes the copy.
    exact("path:         onedrive://scratch/hello.csv"),
    exact("type:         file"),
    exact("size:         12 (12 B)"),
    new RegExp(`^modified: +${ISO}$`),
    exact("quickXorHash: Y0gDHfLAAjukYQ5prMMcFAAAAAA="),
    /^id: +[0-9A-F]+!\d+$/,
  ],
  "ferry sql \"SELECT region, round(sum(revenue), 2) AS revenue FROM 'onedrive://reports/*.csv' GROUP BY region ORDER BY region\"":
    [
      /^REGION +REVENUE$/,
      /^East +49300\.5$/,
      /^North +55786\.5$/,
      /^South +52543\.5$/,
      /^West +46057\.5$/,
      exact("Count"),
      exact("10"),
      exact("["),
      exact("  {"),
      exact('    "busy_months": 10'),
      exact("  }"),
      exact("]"),
    ],
  'printf %s "sk-example-value" | ferry secrets set OPENAI_API_KEY   # or run it bare: it asks, hidden': [
    exact('Created secret OPENAI_API_KEY; jobs read it with getSecret("OPENAI_API_KEY")'),
    /^NAME +UPDATED +CREATED$/,
    new RegExp(`^OPENAI_API_KEY +${ISO} +${ISO}$`),
    exact("["),
    exact("  {"),
    exact('    "name": "OPENAI_API_KEY",'),
    new RegExp(`^    "createdAt": "${ISO}",$`),
    new RegExp(`^    "updatedAt": "${ISO}"$`),
    exact("  }"),
    exact("]"),
  ],
  "// secret.ts — `ferry run secret.ts`": [
    exact("read OPENAI_API_KEY: true"),
    exact("unknown name named: true"),
  ],
};

function runnableBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(sh|ts)\s+runnable\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    blocks.push({ lang: open[1] as "sh" | "ts", line: start + 1, code: `${body.join("\n")}\n` });
  }
  return blocks;
}

function run(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // A generous limit that only ends a hung block: how long a block takes is no assertion here.
    execFile(file, args, { cwd, env, encoding: "utf8", timeout: 110_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const blocks = runnableBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
let scratch: string;
let dev: DevStack;

beforeAll(async () => {
  scratch = await tempDir("ferry-readme-test-");
  const home = join(scratch, "home");
  dev = await startDevStack({
    home,
    port: 0,
    emulatorPort: 0,
    autoConsent: "personal",
    seedDemoFiles: true,
    account: "personal",
  });
  const credentials = JSON.parse(readFileSync(join(home, "credentials.json"), "utf8")) as { apiKey: string };
  const finished = await connectOneDriveScripted({
    brokerUrl: dev.broker.url,
    apiKey: credentials.apiKey,
    account: "personal",
  });
  if (finished.status !== 200) throw new Error(`connecting OneDrive failed: HTTP ${finished.status}`);
  // `ferry` on PATH, as after an install; UDF files resolve "ferry" through the repository's node_modules.
  await mkdir(join(scratch, "bin"));
  await writeFile(
    join(scratch, "bin", "ferry"),
    `#!/bin/sh\nexec "${process.execPath}" ${FERRY_NODE_ARGS.map((a) => `"${a}"`).join(" ")} "$@"\n`,
  );
  await chmod(join(scratch, "bin", "ferry"), 0o755);
  await symlink(join(ROOT, "node_modules"), join(scratch, "node_modules"));
  await writeFile(join(scratch, "package.json"), '{ "type": "module" }\n');
}, 120_000);

afterAll(async () => {
  await dev?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("README.md runnable blocks", () => {
  test("the README marks at least one block runnable", () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  for (const block of blocks) {
    test(`README.md:${block.line} (${block.lang})`, async () => {
      const cwd = join(scratch, `block-${block.line}`);
      await mkdir(cwd);
      const env = ferryEnv(join(scratch, "home"), {
        PATH: `${join(scratch, "bin")}:${process.env.PATH ?? ""}`,
      });
      let result: { code: number; stdout: string; stderr: string };
      if (block.lang === "sh") {
        result = await run("bash", ["-e", "-c", block.code], cwd, env);
      } else {
        const file = join(scratch, `block-${block.line}.ts`);
        await writeFile(file, block.code);
        result = await run(process.execPath, [...FERRY_NODE_ARGS, "run", file], cwd, env);
      }
      const shown = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      expect(result.code, shown).toBe(0);
      const firstLine = block.code.split("\n")[0] ?? "";
      const expected = EXPECTED[firstLine];
      expect(
        expected,
        `no expected output for the block starting ${JSON.stringify(firstLine)}\n${shown}`,
      ).toBeDefined();
      const lines = result.stdout.replace(/\n$/, "").split("\n");
      expect(lines, shown).toHaveLength(expected?.length ?? 0);
      lines.forEach((line, i) => {
        expect(line, shown).toMatch(expected?.[i] ?? /^$/);
      });
    }, 120_000);
  }
});
