// The Python client's suite, run as a user would meet the package: the wheel is built from a clean copy of
// python/, installed into a fresh virtual environment that sees Debian's fsspec, pandas, requests and pytest,
// and pytest runs from that environment against the installed package. Returns pytest's passed and failed
// cases (a skip counts as failed on CI, where nothing may be skipped); a step that breaks counts as one failure.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { finish } from "./summary.mjs";

/** Debian's interpreter: the one that sees python3-fsspec and friends (the first python3 on PATH may not). */
const PYTHON = "/usr/bin/python3";

export function runPython(extraArgs = []) {
  const root = resolve(import.meta.dirname, "..");
  const work = mkdtempSync(join(tmpdir(), "ferry-python-"));
  console.log("\n▶ Python client: build the wheel, install it in a fresh venv, run pytest");
  try {
    const step = (what, cmd, args, options = {}) => {
      const r = spawnSync(cmd, args, { stdio: "inherit", ...options });
      if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
    };
    if (!existsSync(PYTHON))
      throw new Error(`${PYTHON} is missing: .ci/run installs Debian's python3 packages`);
    // A copy, so the build's egg-info and build/ never land in the working tree.
    const source = join(work, "source");
    cpSync(join(root, "python"), source, {
      recursive: true,
      filter: (p) => !/(^|\/)(tests|examples|build|dist|__pycache__|[^/]*\.egg-info)$/.test(p),
    });
    const wheels = join(work, "wheels");
    const offline = ["--no-deps", "--no-index", "--quiet"];
    step("building the wheel", PYTHON, [
      "-m",
      "pip",
      "wheel",
      ...offline,
      "--no-build-isolation",
      "-w",
      wheels,
      source,
    ]);
    const wheel = readdirSync(wheels).find((f) => f.endsWith(".whl"));
    if (!wheel) throw new Error("pip built no wheel");
    const venv = join(work, "venv");
    step("creating the virtual environment", PYTHON, [
      "-m",
      "venv",
      "--system-site-packages",
      "--without-pip",
      venv,
    ]);
    const python = join(venv, "bin", "python");
    // Debian's pip, seen through the system site-packages, installs into the venv (no index is reachable).
    step("installing the wheel", python, [
      "-m",
      "pip",
      "install",
      ...offline,
      "--no-cache-dir",
      join(wheels, wheel),
    ]);
    const report = join(work, "pytest.xml");
    const tests = join(root, "python", "tests");
    const pytest = [
      "-m",
      "pytest",
      tests,
      "-p",
      "no:cacheprovider",
      `--junitxml=${report}`,
      "-q",
      ...extraArgs,
    ];
    const r = spawnSync(python, pytest, {
      stdio: "inherit",
      cwd: work,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    const counts = junitCounts(report);
    if (!counts) throw new Error(`pytest produced no report (exit ${r.status ?? r.signal})`);
    if (r.status !== 0 && counts.failed === 0) {
      counts.failed = 1;
      counts.failures.push(`pytest exited ${r.status ?? r.signal} with every case passed`);
    }
    return counts;
  } catch (error) {
    console.log(`✗ Python client: ${error.message}`);
    return { passed: 0, failed: 1, failures: [`Python client: ${error.message}`] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Cases from pytest's JUnit XML: passed = tests − failures − errors − skipped, and the failed cases' names. */
function junitCounts(file) {
  if (!existsSync(file)) return undefined;
  const xml = readFileSync(file, "utf8");
  const suite = /<testsuite\b([^>]*)>/.exec(xml);
  if (!suite) return undefined;
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite[1])?.[1] ?? 0);
  const tests = attr("tests");
  const bad = attr("failures") + attr("errors");
  const skipped = attr("skipped");
  const ci = process.env.CI === "true" || process.env.CI === "1";
  // The names of failed (and, on CI, skipped) cases, for the list printed above the summary line.
  const failures = [];
  for (const [, attrs, body] of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const broke = /<(failure|error)\b/.test(body ?? "");
    const skip = /<skipped\b/.test(body ?? "");
    if (!broke && !(ci && skip)) continue;
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1] ?? "?";
    const cls = /\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? "";
    failures.push(`python: ${cls ? `${cls}::` : ""}${name}${skip && !broke ? " (skipped)" : ""}`);
  }
  if (tests === 0) failures.push("python: no cases ran");
  return {
    passed: tests - bad - skipped,
    failed: bad + (ci ? skipped : 0) + (tests === 0 ? 1 : 0),
    failures,
  };
}

// `npm run test:python [-- pytest args]`: the Python suite alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  finish(runPython(process.argv.slice(2)));
}
