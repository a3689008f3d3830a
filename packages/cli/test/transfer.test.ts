// Transfers through the real binary: `cp -r` of a 300-file tree with hostile names (#, %, spaces,
// unicode) up to OneDrive and back with identical QuickXorHashes, server-side copies, `sync` finding
// exactly the changed files in both directions, and the progress bar of a 200 MB copy in tmux.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EmulatorAdmin } from "@ferry/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connectOneDrive, type Dev, FERRY_NODE_ARGS, ferry, startDev, tempDir } from "./ferry.ts";
import { hashFile, hashTree } from "./trees.ts";

let home: string;
let work: string;
let dev: Dev;
const run = (...args: string[]) => ferry(args, { home });

beforeAll(async () => {
  home = await tempDir("ferry-cli-transfer-");
  work = await tempDir("ferry-cli-tree-");
  dev = await startDev(home);
  expect((await connectOneDrive(home)).code).toBe(0);
});

afterAll(async () => {
  await dev?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const FOLDERS = [
  "plain",
  "with space",
  "hash #1",
  "100% done",
  "données ünïcödé",
  "日本語 フォルダ",
  "a#b%c d",
  "emoji 🚢",
  "nested/deeper #2",
  "nested/deeper #2/deepest %",
];

describe("file transfers", () => {
  test("cp -r of 300 files with #, %, spaces and unicode round-trips with identical hashes; sync finds exactly the changes", async () => {
    const src = join(work, "src");
    let n = 0;
    for (const folder of FOLDERS) {
      await mkdir(join(src, ...folder.split("/")), { recursive: true });
      for (let i = 0; i < 30; i++, n++) {
        const name = [
          `file ${i}.csv`,
          `#${i} report.txt`,
          `${i}% growth.dat`,
          `naïve café ${i}.json`,
          `株価 ${i}.bin`,
          `mix #${i} 50%  two spaces.txt`,
        ][i % 6] as string;
        await writeFile(join(src, ...folder.split("/"), name), randomBytes(1 + ((n * 7919) % 6000)));
      }
    }
    const local = await hashTree(src);
    expect(local.size).toBe(300);

    const up = await run("cp", "-r", "--transfers", "8", src, "onedrive://round trip #%");
    expect(up).toMatchObject({ code: 0, stderr: "" });
    const listed = JSON.parse((await run("ls", "-R", "--json", "onedrive://round trip #%")).stdout) as {
      name: string;
      type: string;
      quickXorHash?: string;
    }[];
    const remote = new Map(
      listed
        .filter((i) => i.type === "file")
        .map((i) => [i.name.slice("round trip #%/".length), i.quickXorHash]),
    );
    expect(remote).toEqual(local);

    const back = join(work, "back");
    const down = await run("cp", "-r", "onedrive://round trip #%", back);
    expect(down).toMatchObject({ code: 0, stderr: "" });
    expect(await hashTree(back)).toEqual(local);

    // Server-side copy of the whole tree, then the same total size.
    expect((await run("cp", "-r", "onedrive://round trip #%", "onedrive://server copy")).code).toBe(0);
    const [a, b] = await Promise.all([
      run("du", "--json", "onedrive://round trip #%"),
      run("du", "--json", "onedrive://server copy"),
    ]);
    expect(JSON.parse(b.stdout).bytes).toBe(JSON.parse(a.stdout).bytes);

    // Change three files (two keep their size, so only the hash can tell), add two, delete one.
    const rels = [...local.keys()].sort();
    const sameSize = [rels[3], rels[150]] as string[];
    for (const rel of sameSize) {
      const path = join(src, ...rel.split("/"));
      const handle = await open(path, "r+");
      await handle.write(Buffer.from([0xff, 0x00, 0xee]), 0, 3, 0);
      await handle.close();
    }
    const grown = rels[299] as string;
    await writeFile(join(src, ...grown.split("/")), randomBytes(9000));
    await writeFile(join(src, "new one #1.txt"), "new\n");
    await writeFile(join(src, "données ünïcödé", "new % two.txt"), "new too\n");
    const gone = rels[42] as string;
    await rm(join(src, ...gone.split("/")));

    const dry = await run("sync", "--dry-run", "--delete", src, "onedrive://round trip #%");
    expect(dry.code).toBe(0);
    const expected = [
      ...[...sameSize, grown].map((r) => `would copy ${r} (changed)`),
      "would copy new one #1.txt (new)",
      "would copy données ünïcödé/new % two.txt (new)",
      `would delete ${gone}`,
    ];
    expect(
      dry.stdout
        .split("\n")
        .filter((l) => l.startsWith("would"))
        .sort(),
    ).toEqual(expected.sort());
    expect(dry.stdout).toContain("Dry run: 5 to copy, 1 to delete, 296 unchanged");

    const synced = await run("sync", "--delete", "--json", src, "onedrive://round trip #%");
    const plan = JSON.parse(synced.stdout) as {
      copied: { path: string }[];
      deleted: string[];
      unchanged: number;
    };
    expect(plan.copied.map((c) => c.path).sort()).toEqual(
      [...sameSize, grown, "new one #1.txt", "données ünïcödé/new % two.txt"].sort(),
    );
    expect(plan.deleted).toEqual([gone]);
    const again = JSON.parse(
      (await run("sync", "--delete", "--json", src, "onedrive://round trip #%")).stdout,
    );
    expect(again).toMatchObject({ copied: [], deleted: [], unchanged: 301 });

    // And the other direction: OneDrive → the earlier local copy picks up exactly the same changes.
    const pulled = JSON.parse(
      (await run("sync", "--delete", "--json", "onedrive://round trip #%", back)).stdout,
    );
    expect(pulled.copied.map((c: { path: string }) => c.path).sort()).toEqual(
      plan.copied.map((c) => c.path).sort(),
    );
    expect(pulled.deleted).toEqual([gone]);
    expect(await hashTree(back)).toEqual(await hashTree(src));
  });

  test("a 200 MB copy in tmux shows per-file and total progress bars with rate and ETA", async () => {
    const big = join(work, "big.bin");
    const block = randomBytes(1 << 20);
    const handle = await open(big, "w");
    for (let i = 0; i < 200; i++) {
      block.writeUInt32BE(i, 0);
      await handle.write(block);
    }
    await handle.close();
    // A bandwidth cap keeps the copy on screen long enough to capture, as on a real WAN.
    const admin = new EmulatorAdmin(dev.emulatorUrl);
    await admin.settings({ bandwidth: 40_000_000 });
    const socket = `ferry-cli-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
    const command = `env -u FERRY_URL -u FERRY_API_KEY FERRY_HOME='${home}' NO_COLOR=1 '${process.execPath}' ${FERRY_NODE_ARGS.map((a) => `'${a}'`).join(" ")} cp '${big}' onedrive://big.bin; echo FERRY_EXIT=$?; sleep 600`;
    try {
      tmux("new-session", "-d", "-s", "cp", "-x", "160", "-y", "20", command);
      let during = "";
      let final = "";
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const pane = tmux("capture-pane", "-p", "-t", "cp");
        if (
          !during &&
          /big\.bin/.test(pane) &&
          /total \(1 file\)/.test(pane) &&
          /\d+(\.\d)? MiB\/s/.test(pane)
        )
          during = pane;
        if (/FERRY_EXIT=\d+/.test(pane)) {
          final = pane;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(during, final).not.toBe("");
      // The per-file bar: a bar, percentage, bytes done of total, rate, ETA, name.
      expect(during).toMatch(
        /[█░]+\s+\d+% \| [\d.]+ (MiB|KiB|B)\/200 MiB \| [\d.]+ \S+\/s \| ETA\s+\d+s \| big\.bin/,
      );
      expect(during).toMatch(/\| ETA\s+\S+ \| total \(1 file\)/);
      expect(final).toContain("FERRY_EXIT=0");
      expect(final).toMatch(/100% \| 200 MiB\/200 MiB .*\| total \(1 file\)/);
      // On a terminal, printing a token warns on stderr (and still prints it).
      tmux(
        "new-session",
        "-d",
        "-s",
        "token",
        "-x",
        "160",
        "-y",
        "10",
        `env -u FERRY_URL -u FERRY_API_KEY FERRY_HOME='${home}' NO_COLOR=1 '${process.execPath}' ${FERRY_NODE_ARGS.map((a) => `'${a}'`).join(" ")} integrations onedrive token; echo FERRY_EXIT=$?; sleep 600`,
      );
      let pane = "";
      for (let i = 0; i < 150 && !pane.includes("FERRY_EXIT="); i++) {
        await new Promise((r) => setTimeout(r, 200));
        pane = tmux("capture-pane", "-p", "-J", "-t", "token");
      }
      expect(pane).toMatch(/warning: this token grants access to your OneDrive/);
      expect(pane).toContain("FERRY_EXIT=0");
    } finally {
      try {
        tmux("kill-server");
      } catch {}
      await admin.settings({ bandwidth: 0 });
    }
    const stat = JSON.parse((await run("stat", "--json", "onedrive://big.bin")).stdout);
    expect(stat.size).toBe(200 * 1024 * 1024);
    expect(stat.quickXorHash).toBe(await hashFile(big));
  });
});
