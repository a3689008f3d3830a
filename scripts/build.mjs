#!/usr/bin/env node
// Builds every published package to what its tarball ships, with no bundler:
//   1. `tsc -b` over each packages/*/tsconfig.build.json (project references give the order): ESM JavaScript,
//      .d.ts types and source maps in dist/, `.ts` import paths rewritten to `.js`;
//   2. the files in src/ that tsc does not emit (plain .js kept as JavaScript on purpose, hand-written .d.ts) are
//      copied beside the output, and output whose source is gone is removed, so a renamed file leaves nothing stale;
//   3. the web page (packages/web, Vite) is built into packages/broker/web, which the broker serves and ships.
// New packages and new files are found by globbing; nothing here lists them. Output that is up to date is left
// untouched (tsc -b's own check, file times for the rest), so a build while tests read dist/ changes nothing.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesDir = join(root, "packages");
const projects = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => existsSync(join(dir, "tsconfig.build.json")));

// tsc -b trusts its .tsbuildinfo and does not look for the output itself: a package whose dist/ was deleted would
// stay unbuilt.
for (const dir of projects) {
  if (!existsSync(join(dir, "dist", "index.js"))) rmSync(join(dir, "build.tsbuildinfo"), { force: true });
}
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
run("tsc -b", process.execPath, [tsc, "-b", ...projects.map((dir) => join(dir, "tsconfig.build.json"))]);

for (const dir of projects) {
  const src = join(dir, "src");
  const dist = join(dir, "dist");
  const sources = walk(src).map((file) => relative(src, file));
  for (const file of sources) {
    if (emittedByTsc(file)) continue;
    const target = join(dist, file);
    if (existsSync(target) && statSync(target).mtimeMs >= statSync(join(src, file)).mtimeMs) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(src, file), target);
  }
  const stems = new Set(sources.map(stemOf));
  for (const file of walk(dist)) {
    if (!stems.has(stemOf(relative(dist, file)))) rmSync(file);
  }
}

const web = join(packagesDir, "web");
if (existsSync(join(web, "package.json"))) {
  const built = join(packagesDir, "broker", "web", "index.html");
  const sources = [
    join(web, "index.html"),
    join(web, "vite.config.ts"),
    join(web, "package.json"),
    ...walk(join(web, "src")),
  ];
  const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) console.log("build: web page up to date");
  else run("web page", "npm", ["run", "build", "--silent", "-w", "@ferry/web"]);
}

function run(title, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`build: ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  console.log(`build: ${title} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function emittedByTsc(file) {
  return /\.tsx?$/.test(file) && !file.endsWith(".d.ts");
}

/** `storage/partHasher` for partHasher.ts, .js, .d.ts, .js.map and .d.ts.map alike. */
function stemOf(file) {
  return file.replace(/(\.d)?\.(tsx?|jsx?|mjs|cjs)(\.map)?$/, "");
}

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
