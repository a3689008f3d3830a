// Every code block in README.md whose info string ends in "runnable" (```sh runnable, ```ts runnable) runs here
// against a fresh `ferry dev` stack (startDevStack, demo files seeded, OneDrive connected through the real
// authorization-code flow with the emulator's auto-consent) in a temporary FERRY_HOME, so the docs cannot rot.
// `sh` blocks run in bash with `ferry` on PATH; `ts` blocks are written to a file and run with `ferry run`.
// A block passes when it exits 0 and prints no line ending in ": false" (the blocks' own checks).

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
    execFile(file, args, { cwd, env, encoding: "utf8", timeout: 20_000 }, (error, stdout, stderr) => {
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
}, 30_000);

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
      expect(result.stdout.trim(), shown).not.toBe("");
      expect(result.stdout, shown).not.toMatch(/: false\s*$/m);
    }, 20_000);
  }
});
