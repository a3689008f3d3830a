// Issue 10's chaos proof: with one Graph request in ten failing — 429, 503, 500, 502, 504 and connections
// reset in the middle of a body — a 500-file tree from 0 B to 64 MB goes up to OneDrive and back through
// `ferry cp -r`, through `ferry sync`, and through the library, and every file arrives with its QuickXorHash.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import { EmulatorAdmin } from "@ferry/emulator";
import { onedriveConnect } from "ferry";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { recordFigures } from "../../../reliability/figures.ts";
import { connectOneDrive, type Dev, ferry, startDev, tempDir } from "./ferry.ts";
import { hashTree, writeRandomFile } from "./trees.ts";

const FILES = 500;
const MiB = 1024 * 1024;
const MB = 1_000_000;

/**
 * 500 sizes from 0 B to 64 MB: the edges (empty, one byte, a fragment of 320 KiB, the 4 MiB simple-upload
 * limit and one past it), four large files up to 64 MB, and the rest spread log-uniformly up to 4 MiB,
 * which is how real folders look: mostly small files, a few big ones.
 */
function treeSizes(): number[] {
  const sizes = [0, 1, 320 * 1024, 4 * MiB, 4 * MiB + 1, 10 * MiB + 1, 24 * MiB, 48 * MiB - 7, 64 * MB];
  let x = 20261126;
  while (sizes.length < FILES) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    sizes.push(Math.floor(2 ** ((x / 2 ** 32) * 22)));
  }
  return sizes;
}

const FOLDERS = ["", "a", "a/b #1", "a/b #1/c 100%", "données", "日本語", "z/y/x/w"];

let home: string;
let work: string;
let dev: Dev;
let admin: EmulatorAdmin;
let src: string;
let expected: Map<string, string>;
const run = (...args: string[]) => ferry(args, { home });
const figures = { faults: 0, retries: 0, files: 0, lost: 0, corrupted: 0 };

beforeAll(async () => {
  home = await tempDir("ferry-chaos-home-");
  work = await tempDir("ferry-chaos-tree-");
  dev = await startDev(home);
  expect((await connectOneDrive(home)).code).toBe(0);
  admin = new EmulatorAdmin(dev.emulatorUrl);
  src = join(work, "src");
  const sizes = treeSizes();
  for (const [i, size] of sizes.entries()) {
    const folder = FOLDERS[i % FOLDERS.length] as string;
    await writeRandomFile(join(src, ...folder.split("/"), `f${i} #${size % 7}%.bin`), size, i + 1);
  }
  expected = await hashTree(src);
  expect(expected.size).toBe(FILES);
  // Faults start only now, so setting up and connecting are not what is being tested.
  await admin.resetCounters();
  await admin.settings({ faultRate: 0.1, faultRetryAfter: 0.2 });
}, 300_000);

afterAll(async () => {
  await admin?.settings({ faultRate: 0 }).catch(() => {});
  await dev?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
  recordFigures("chaos (fault rate 0.1)", {
    "files moved (each up and back)": figures.files,
    "faults injected": figures.faults,
    retries: figures.retries,
    "files lost": figures.lost,
    "files corrupted": figures.corrupted,
  });
});

/** Compares a downloaded tree with the source: what is missing is lost, what differs is corrupted. */
async function checkTree(dir: string): Promise<void> {
  const got = await hashTree(dir);
  const lost = [...expected.keys()].filter((rel) => !got.has(rel));
  const corrupted = [...expected].filter(([rel, hash]) => got.has(rel) && got.get(rel) !== hash);
  figures.files += expected.size;
  figures.lost += lost.length;
  figures.corrupted += corrupted.length;
  expect(lost, "files lost").toEqual([]);
  expect(
    corrupted.map(([rel]) => rel),
    "files corrupted",
  ).toEqual([]);
  expect(got.size).toBe(FILES);
}

async function countFaults(): Promise<number> {
  const counters = await admin.counters();
  return Object.values(counters.faults).reduce((a, b) => a + b, 0);
}

/** The CLI's closing line when Graph pushed back: "N requests were retried …". */
function retriesReported(stderr: string): number {
  return Number(/(\d+) requests? (?:was|were) retried/.exec(stderr)?.[1] ?? 0);
}

describe("a 500-file tree (0 B to 64 MB) at fault rate 0.1, every fault kind", () => {
  test("ferry cp -r up and back: every file arrives with its QuickXorHash", async () => {
    const before = await countFaults();
    const up = await run("cp", "-r", "--transfers", "8", src, "onedrive://chaos/cp");
    expect(up.code, up.stderr).toBe(0);
    const back = join(work, "cp-back");
    const down = await run("cp", "-r", "--transfers", "8", "onedrive://chaos/cp", back);
    expect(down.code, down.stderr).toBe(0);
    await checkTree(back);
    const faults = (await countFaults()) - before;
    const retries = retriesReported(up.stderr) + retriesReported(down.stderr);
    figures.faults += faults;
    figures.retries += retries;
    // The run really was under fire, and the CLI said so.
    expect(faults).toBeGreaterThan(50);
    expect(retries).toBeGreaterThan(0);
  });

  test("ferry sync up and back, then a second sync finds nothing to copy", async () => {
    const before = await countFaults();
    const up = await run("sync", "--transfers", "8", src, "onedrive://chaos/sync");
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`${FILES} to copy, 0 to delete, 0 unchanged`);
    const back = join(work, "sync-back");
    const down = await run("sync", "--transfers", "8", "onedrive://chaos/sync", back);
    expect(down.code, down.stderr).toBe(0);
    await checkTree(back);
    // Hashes compared on both sides, under the same faults: nothing differs, so nothing moves.
    const again = await run("sync", src, "onedrive://chaos/sync");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`0 to copy, 0 to delete, ${FILES} unchanged`);
    figures.faults += (await countFaults()) - before;
    figures.retries +=
      retriesReported(up.stderr) + retriesReported(down.stderr) + retriesReported(again.stderr);
  });

  test("the library (onedriveConnect and its filesystem's put and get) up and back", async () => {
    const before = await countFaults();
    // As a job finds it: the credentials file `ferry dev` wrote into FERRY_HOME.
    process.env.FERRY_HOME = home;
    const od = onedriveConnect();
    await od.fs.put(src, "chaos/library", { recursive: true });
    const back = join(work, "library-back");
    await od.fs.get("chaos/library", back, { recursive: true });
    await checkTree(back);
    figures.faults += (await countFaults()) - before;
    figures.retries += od.stats.retries;
    expect(od.stats.retries).toBeGreaterThan(0);
  });
});
