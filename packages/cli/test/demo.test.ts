// `npm run demo` as a newcomer runs it: a child process in a clean copy of the repository (its tracked
// files only: no built web page, no state left by other tests), with an empty FERRY_HOME and no Ferry
// variables. Every example must run, and the summary CSV the read-input/write-output example wrote
// to the emulated drive (printed as read back) must hold pandas describe()'s numbers for the seeded
// input/raw.csv, computed here independently. A failing example must fail the demo, naming it.

import { execFileSync, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { copyFile, lstat, mkdir, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { demoFiles } from "../src/demoFiles.ts";
import { tempDir } from "./ferry.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

let scratch: string;
let clone: string;
beforeAll(async () => {
  scratch = await tempDir("ferry-demo-test-");
  clone = await cleanCopy(join(scratch, "repo"));
});

/**
 * The repository's tracked files, as a fresh clone has them. `npm ci` is not re-run (it would rebuild
 * better-sqlite3 for a minute): node_modules links to the installed packages, except the workspace links,
 * which point at the copy's own packages so that every line of Ferry that runs is the copy's.
 */
async function cleanCopy(dest: string): Promise<string> {
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT })
    .toString()
    .split("\0")
    .filter(Boolean);
  for (const file of tracked) {
    await mkdir(dirname(join(dest, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(dest, file));
  }
  const linkModules = async (from: string, to: string) => {
    await mkdir(to, { recursive: true });
    for (const name of await readdir(from)) {
      const source = join(from, name);
      if (name.startsWith("@") && (await lstat(source)).isDirectory()) {
        await linkModules(source, join(to, name));
        continue;
      }
      const target = (await lstat(source)).isSymbolicLink() ? await readlink(source) : undefined;
      // Workspace packages are relative links into packages/: kept relative, they land in the copy.
      await symlink(target?.includes("packages/") ? target : source, join(to, name));
    }
  };
  await linkModules(join(ROOT, "node_modules"), join(dest, "node_modules"));
  for (const pkg of await readdir(join(ROOT, "packages"))) {
    const own = join(ROOT, "packages", pkg, "node_modules");
    if (
      await lstat(own).then(
        () => true,
        () => false,
      )
    )
      await linkModules(own, join(dest, "packages", pkg, "node_modules"));
  }
  return dest;
}
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function runDemo(
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_HOME: join(scratch, "home"), ...extraEnv };
  for (const key of ["FERRY_URL", "FERRY_API_KEY", "FERRY_GRAPH_URL", "FERRY_DATABASE_URL"]) delete env[key];
  return new Promise((done, fail) => {
    const child = spawn(NPM, ["run", "--silent", "demo"], { cwd: clone, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** pandas' describe() for one column, written independently of the example. */
function expectedDescribe(values: number[]): Map<string, number> {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  let ss = 0;
  for (const v of s) ss += (v - mean) * (v - mean);
  const q = (p: number) => {
    const h = (n - 1) * p;
    const i = Math.floor(h);
    return i + 1 < n ? s[i]! + (h - i) * (s[i + 1]! - s[i]!) : s[i]!;
  };
  return new Map([
    ["count", n],
    ["mean", mean],
    ["std", Math.sqrt(ss / (n - 1))],
    ["min", s[0]!],
    ["25%", q(0.25)],
    ["50%", q(0.5)],
    ["75%", q(0.75)],
    ["max", s[n - 1]!],
  ]);
}

describe("npm run demo", () => {
  test("runs every example against a fresh stack and writes the right summary.csv", async () => {
    // How long the demo takes is not asserted: on a loaded machine it is no sign of a fault. The test
    // timeout still ends a demo that hangs.
    const { code, stdout, stderr } = await runDemo();
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    // The secret example reads what the demo set with `ferry secrets set` (issue 20), without printing it.
    expect(stdout).toContain(
      'Created secret DEMO_SERVICE_TOKEN; jobs read it with getSecret("DEMO_SERVICE_TOKEN")',
    );
    expect(stdout).toMatch(/DEMO_SERVICE_TOKEN\s+true\s+\d+\s+value not printed/);
    expect(stdout).toMatch(/DEMO_NEVER_SET\s+false\s+0\s+There is no secret named DEMO_NEVER_SET/);

    const examples = readdirSync(join(clone, "examples")).filter((f) => f.endsWith(".ts"));
    expect(examples.length).toBeGreaterThanOrEqual(10);
    for (const file of examples) {
      expect(stdout).toContain(`(examples/${file}) ==`);
      expect(stdout).toContain(`-- ${file}: ok`);
    }
    expect(stdout).toContain(`All ${examples.length} examples ran`);
    // A few outputs that only come from the real drive and the real flows.
    expect(stdout).toContain("reports/q1.csv: 12 rows");
    expect(stdout).toMatch(/done: 200mb\.bin, 209715200 bytes/);
    expect(stdout).toContain("1 to copy, 0 to delete, 1 unchanged");
    expect(stdout).toContain("status: connected");

    // The seeded input, parsed here. As in pandas, a column is numeric when every value present parses
    // as a number, and missing values are left out of its statistics.
    const seeded = (await demoFiles()).find((f) => f.path === "input/raw.csv")!;
    const [header, ...lines] = Buffer.from(seeded.contentBase64, "base64")
      .toString()
      .split("\n")
      .filter((l) => l !== "");
    const names = header!.split(",");
    const cells = lines.map((l) => l.split(","));
    const present = (c: string[], i: number) => (c[i] ?? "").trim() !== "";
    const numeric = names.filter((_, i) => cells.every((c) => !present(c, i) || !Number.isNaN(+c[i]!)));
    expect(numeric).toEqual(["reading_id", "temperature_c", "humidity_pct", "wind_kmh"]);

    // The CSV the example wrote to the emulated drive, as it read it back.
    const after = stdout.split("output/summary.csv on OneDrive:\n")[1];
    expect(after).toBeDefined();
    const csv = after!.split("\n-- ")[0]!.trim().split("\n");
    expect(csv[0]).toBe(["statistic", ...numeric].join(","));
    const got = new Map(
      csv
        .slice(1)
        .map((l) => l.split(","))
        .map((c) => [c[0]!, c.slice(1).map(Number)]),
    );
    numeric.forEach((column, j) => {
      const i = names.indexOf(column);
      const expected = expectedDescribe(cells.filter((c) => present(c, i)).map((c) => Number(c[i])));
      expect([...got.keys()]).toEqual([...expected.keys()]);
      for (const [stat, value] of expected) expect(got.get(stat)![j]).toBeCloseTo(value, 9);
    });
  });

  test("a failing example fails the demo, naming it", async () => {
    const dir = join(scratch, "failing-examples");
    await mkdir(dir, { recursive: true });
    // Outside the repo, a .ts file is ESM only under a "type": "module" package.json (as in the repo).
    await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
    await writeFile(join(dir, "01-fine.ts"), 'export default () => "fine";\n');
    await writeFile(join(dir, "02-broken.ts"), 'export default () => {\n  throw new Error("boom");\n};\n');
    const { code, stdout, stderr } = await runDemo({ FERRY_DEMO_EXAMPLES: dir });
    expect(code).toBe(1);
    expect(stdout).toContain("-- 01-fine.ts: ok");
    expect(stderr).toContain("Demo failed: example 02-broken.ts exited with code 1");
  });
});
