// Ferry as its users get it: every package is built, packed with `npm pack`, and installed with a plain `npm install`
// into fresh projects in a temporary folder outside this repository, with no workspace links, no tsx and no network
// (a loopback registry serves the packed tarballs and, from the npm cache `npm ci` filled, the lockfile's versions
// of everything else). Then, from the installed packages only:
//   - `npm install ferry` alone brings no server code, and prints no warning;
//   - `npx ferry --help` and a subcommand's --help exit 0;
//   - the installed CLI's `ferry dev` runs the emulator, the broker and its built page, and a plain ESM job and a
//     CommonJS job (`require("ferry")`) list, download and readCsv `onedrive://` paths through it; `ferry run` runs
//     a TypeScript UDF (tsx loaded for that alone);
//   - a TypeScript job type-checks against the installed types with moduleResolution node16 and bundler, and a
//     type error in it fails both.

import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ScriptedBrowser } from "@ferry/broker";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demoFiles } from "../src/demoFiles.ts";
import { freePort } from "./ferry.ts";
import { type RegistryMirror, startRegistryMirror } from "./registryMirror.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
/** What a job's install must never bring: the server side of Ferry and its frameworks. */
const SERVER_PACKAGES = [
  "@ferry/broker",
  "@ferry/emulator",
  "@ferry/cli",
  "fastify",
  "better-sqlite3",
  "react",
  "vite",
];

let work: string;
let mirror: RegistryMirror;
/** `npm install ferry`, nothing else: what a job's install brings. */
let bare: string;
let bareInstall: Result;
/** A job's project with the CLI too (operators install it globally; here it is local so npx finds it). */
let project: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Only what a user's shell has: no NODE_OPTIONS, no npm_* of the test's own npm, no Ferry settings. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(work, "home"), LANG: "C.UTF-8", ...extra };
}

function run(command: string, args: string[], cwd: string, env = userEnv()): Promise<Result> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function npmInstall(dir: string, packages: string[]): Promise<Result> {
  const result = await run(
    "npm",
    [
      "install",
      `--registry=${mirror.url}`,
      `--cache=${join(work, "npm-cache")}`,
      "--no-audit",
      "--no-fund",
      "--no-update-notifier",
      ...packages,
    ],
    dir,
  );
  if (result.code !== 0) {
    throw new Error(
      `npm install ${packages.join(" ")} failed:\n${result.stderr}\nmirror misses: ${mirror.misses}`,
    );
  }
  return result;
}

function version(pkg: string): string {
  return (
    JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }
  ).version;
}

beforeAll(async () => {
  // The same build `npm test` runs first; run again here (incremental) so this file alone tests current sources.
  const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`the build failed:\n${build.stdout}\n${build.stderr}`);

  work = await mkdtemp(join(tmpdir(), "ferry-packed-"));
  await mkdir(join(work, "home"));
  const packs = join(work, "packs");
  await mkdir(packs);
  const published = readdirSync(join(ROOT, "packages"))
    .map((name) => join(ROOT, "packages", name))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .filter((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).private !== true);
  for (const dir of published) {
    const pack = spawnSync("npm", ["pack", "--silent", "--pack-destination", packs], {
      cwd: dir,
      encoding: "utf8",
    });
    if (pack.status !== 0) throw new Error(`npm pack in ${dir} failed: ${pack.stderr}`);
  }

  // better-sqlite3's install script fetches a prebuilt addon from its releases, else compiles it for minutes. The
  // loopback mirror serves the one `npm ci` produced for this Node, through prebuild-install's documented rc file.
  const prebuild = join(work, "better-sqlite3-prebuild.tar.gz");
  const tar = spawnSync("tar", [
    "-czf",
    prebuild,
    "-C",
    join(ROOT, "node_modules/better-sqlite3"),
    "build/Release/better_sqlite3.node",
  ]);
  if (tar.status !== 0) throw new Error(`cannot pack better-sqlite3's addon: ${tar.stderr}`);

  const npmCache = spawnSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).stdout.trim();
  mirror = await startRegistryMirror({
    lockfile: join(ROOT, "package-lock.json"),
    tarballs: readdirSync(packs).map((file) => join(packs, file)),
    npmCache,
    prebuild,
  });

  bare = join(work, "bare");
  await mkdir(bare);
  await writeFile(
    join(bare, "package.json"),
    `${JSON.stringify({ name: "job", private: true, type: "module" })}\n`,
  );
  bareInstall = await npmInstall(bare, ["ferry"]);

  project = join(work, "project");
  await mkdir(project);
  const workspace = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    overrides: unknown;
    allowScripts: unknown;
  };
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify(
      {
        name: "reports-job",
        private: true,
        type: "module",
        // The workspace's overrides (cookie and content-disposition releases that run on Node 20; package.json
        // says why): the mirror holds only the lockfile's versions. Its install-script approvals too.
        overrides: workspace.overrides,
        allowScripts: workspace.allowScripts,
      },
      null,
      2,
    )}\n`,
  );
  await writeFile(
    join(project, ".prebuild-installrc"),
    `download=${mirror.url}/prebuilds/better-sqlite3.tar.gz\n`,
  );
  await npmInstall(project, [
    "ferry",
    "@ferry/cli",
    `typescript@${version("typescript")}`,
    `@types/node@${version("@types/node")}`,
  ]);
}, 900_000);

afterAll(async () => {
  await mirror?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("Ferry installed from its packed tarballs, outside the workspace", () => {
  test("npm install ferry brings no server code and prints no warning", async () => {
    const ls = await run("npm", ["ls", "--all", "--json"], bare);
    const names = new Set<string>();
    const installed = new Set<string>();
    type Tree = Record<string, { version: string; dependencies?: Tree }>;
    const walk = (deps: Tree | undefined) => {
      for (const [name, node] of Object.entries(deps ?? {})) {
        // npm ls lists an optional peer that is not installed (ferry's DuckDB) without a version.
        if (!node.version) continue;
        names.add(name);
        installed.add(`${name}@${node.version}`);
        walk(node.dependencies);
      }
    };
    walk((JSON.parse(ls.stdout) as { dependencies: Tree }).dependencies);
    expect(names).toContain("ferry");
    expect(names).toContain("@ferry/fs");
    for (const server of SERVER_PACKAGES) expect(names, server).not.toContain(server);
    // DuckDB is the CLI's (optional) dependency, not the client's.
    expect(existsSync(join(bare, "node_modules/@duckdb"))).toBe(false);
    expect(`${bareInstall.stdout}${bareInstall.stderr}`).not.toMatch(/warn|EBADENGINE|install-scripts/i);
    const added = /added (\d+) packages?/.exec(bareInstall.stdout)?.[1];
    const bytes = folderBytes(join(bare, "node_modules"));
    // The figures the README quotes for `npm install ferry`.
    console.log(`npm install ferry: ${added} packages, ${(bytes / 1e6).toFixed(1)} MB in node_modules`);
    expect(Number(added)).toBe(installed.size);
    // Without DuckDB, query() says in one line how to install it.
    await writeFile(
      join(bare, "sql.mjs"),
      'import { query } from "ferry";\nawait query("SELECT 1").catch((e) => console.log(JSON.stringify({ code: e.code, message: e.message })));\n',
    );
    const sql = await run(process.execPath, ["sql.mjs"], bare);
    const missing = JSON.parse(sql.stdout) as { code: string; message: string };
    expect(missing.code).toBe("duckdb_missing");
    expect(missing.message).toMatch(
      /^SQL needs DuckDB, which is not installed here: run `npm install @duckdb\/node-api@/,
    );
    expect(missing.message).not.toContain("\n");
  });

  test("npx ferry --help and npx ferry integrations list --help exit 0", async () => {
    const help = await run("npx", ["ferry", "--help"], project);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: ferry");
    const sub = await run("npx", ["ferry", "integrations", "list", "--help"], project);
    expect(sub.code, sub.stderr).toBe(0);
    expect(sub.stdout).toContain("Usage: ferry integrations list");
  });

  test("the installed ferry dev serves the page, and ESM and CommonJS jobs read onedrive:// through it", async () => {
    const home = join(work, "ferry-home");
    const env = userEnv({ FERRY_HOME: home, NO_COLOR: "1" });
    const ferryBin = join(project, "node_modules/.bin/ferry");
    const dev = spawn(ferryBin, ["dev", "--port", String(await freePort()), "--seed-demo-files"], {
      cwd: project,
      env,
    });
    try {
      const summary = await waitForOutput(dev, /Next: /);
      const broker = /broker:\s+(http\S+)/.exec(summary)?.[1] ?? "";
      const page = await fetch(`${broker}/`);
      expect(await page.text()).toContain("Integrations &amp; Secrets");

      const connect = spawn(ferryBin, ["integrations", "onedrive", "connect", "--no-browser"], {
        cwd: project,
        env,
      });
      // The person at the browser: the broker's start page, the emulator's picker and consent, the confirmation.
      const url = /(http\S+\/integrations\/onedrive\/start\/\S+)/.exec(
        await waitForOutput(connect, /\/integrations\/onedrive\/start\//),
      )?.[1];
      expect(url).toBeDefined();
      const browser = new ScriptedBrowser();
      const done = await browser.clickThrough(await browser.open(url as string), {
        decision: ["accept", "connect"],
      });
      expect(done.page?.status).toBe(200);
      expect(await exitOf(connect)).toBe(0);

      const body = `
  const conn = onedriveConnect();
  const names = (await conn.list("reports")).map((item) => item.name);
  const bytes = await conn.download("reports/q1.csv");
  const rows = await readCsv("onedrive://reports/q1.csv");
  // DuckDB is installed here (with the CLI), but a job that never calls query() never loads it.
  const duckdb = process.report.getReport().sharedObjects.some((s) => s.includes("duckdb"));
  console.log(JSON.stringify({ names, bytes: bytes.length, rows: rows.length, first: rows[0], duckdb }));`;
      await writeFile(
        join(project, "job.mjs"),
        `import { onedriveConnect, readCsv } from "ferry";\n${body}\n`,
      );
      await writeFile(
        join(project, "job.cjs"),
        `const { onedriveConnect, readCsv } = require("ferry");\n(async () => {${body}\n})();\n`,
      );
      const q1 = (await demoFiles()).find((file) => file.path === "reports/q1.csv");
      for (const job of ["job.mjs", "job.cjs"]) {
        const result = await run(process.execPath, [job], project, env);
        expect(result.code, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout), job).toEqual({
          names: ["q1.csv"],
          bytes: Buffer.from(q1?.contentBase64 ?? "", "base64").length,
          rows: 12,
          first: { month: "2026-01", region: "North", revenue: "19919.50", orders: "111" },
          duckdb: false,
        });
      }

      await writeFile(
        join(project, "udf.ts"),
        'import { readCsv } from "ferry";\n\nexport default async (): Promise<number> => (await readCsv("onedrive://reports/q1.csv")).length;\n',
      );
      const udf = await run(ferryBin, ["run", "udf.ts", "--json"], project, env);
      expect(udf.code, udf.stderr).toBe(0);
      expect(udf.stdout.trim()).toBe("12");

      // The installed CLI brought DuckDB: `ferry sql` over a glob, and query() from a job.
      expect(existsSync(join(project, "node_modules/@duckdb/node-api/package.json"))).toBe(true);
      const sql = await run(
        ferryBin,
        [
          "sql",
          "--json",
          "SELECT region, count(*) AS months FROM 'onedrive://reports/*.csv' GROUP BY 1 ORDER BY 1",
        ],
        project,
        env,
      );
      expect(sql.code, sql.stderr).toBe(0);
      expect(JSON.parse(sql.stdout)).toEqual(
        ["East", "North", "South", "West"].map((region) => ({ region, months: 3 })),
      );
      await writeFile(
        join(project, "sql.mjs"),
        'import { query } from "ferry";\nconsole.log((await query("SELECT count(*)::INTEGER AS n FROM \'onedrive://reports/q1.csv\'"))[0].n);\n',
      );
      const job = await run(process.execPath, ["sql.mjs"], project, env);
      expect(job.code, job.stderr).toBe(0);
      expect(job.stdout.trim()).toBe("12");
    } finally {
      dev.kill("SIGTERM");
    }
    expect(await exitOf(dev)).toBe(0);
  });

  test("a TypeScript job type-checks with moduleResolution node16 and bundler; a type error fails both", async () => {
    const job = [
      'import { type MintedToken, onedriveConnect, readCsv } from "ferry";',
      "",
      "const conn = onedriveConnect();",
      'const names: string[] = (await conn.list("reports")).map((item) => item.name ?? "");',
      'const bytes: Uint8Array = await conn.download("reports/q1.csv");',
      'const rows = await readCsv("onedrive://reports/q1.csv");',
      'const account: MintedToken["account"] = await conn.account();',
      // Personal Microsoft accounts have no mail: the contract says so, and the job must handle it.
      'const email: string = account.email ?? "(no mail)";',
      "console.log(names, bytes.length, rows.length, email);",
      "",
    ].join("\n");
    await writeFile(join(project, "typed.ts"), job);
    await writeFile(join(project, "mistyped.ts"), `${job}const wrong: string = account.email;\n`);
    const tsc = join(project, "node_modules/typescript/bin/tsc");
    const configs = {
      node16: { module: "node16", moduleResolution: "node16" },
      bundler: { module: "esnext", moduleResolution: "bundler" },
    };
    for (const [name, resolution] of Object.entries(configs)) {
      const config = join(project, `tsconfig.${name}.json`);
      await writeFile(
        config,
        JSON.stringify({
          // skipLibCheck off: Ferry's own .d.ts files are checked too, not only used.
          compilerOptions: {
            ...resolution,
            target: "es2022",
            strict: true,
            noEmit: true,
            skipLibCheck: false,
          },
          files: ["typed.ts", "mistyped.ts"],
        }),
      );
      const result = await run(process.execPath, [tsc, "-p", config], project);
      // One program for both files: the only error is the one planted in mistyped.ts.
      expect(result.code, name).not.toBe(0);
      expect(
        result.stdout.split("\n").filter((line) => /error TS/.test(line)),
        `${name}: ${result.stdout}`,
      ).toEqual([
        "mistyped.ts(10,7): error TS2322: Type 'string | null' is not assignable to type 'string'.",
      ]);
    }
  });
});

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing ${pattern}:\n${out}\n${err}`));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

/** Apparent size of every file below `dir`, as `du --apparent-size` counts it. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
