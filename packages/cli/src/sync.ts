// `ferry sync SRC DST`: make DST's files equal SRC's, like `rclone sync`. Files are compared by size
// first (free: both listings carry it) and, when sizes match, by QuickXorHash, which OneDrive reports
// for every file and which is computed locally for local files; only files that differ are copied.
// With `delete`, files in DST that SRC lacks are removed.

import pLimit from "p-limit";
import type { Location } from "./locations.ts";
import { below, copyFiles, ensureDir, listTree, parentOf, type TreeFile } from "./transfer.ts";

export interface SyncPlan {
  copy: { rel: string; reason: "new" | "changed"; size: number; from: string; to: string }[];
  delete: { rel: string; path: string }[];
  unchanged: number;
}

export async function planSync(
  src: Location,
  dst: Location,
  options: { delete: boolean; transfers: number },
): Promise<SyncPlan> {
  const [source, target] = await Promise.all([listTree(src, src.path), listTreeIfExists(dst)]);
  const existing = new Map(target.files.map((f) => [f.rel, f]));
  const plan: SyncPlan = { copy: [], delete: [], unchanged: 0 };
  // Hashing local files reads them whole, so it runs only for same-size pairs, a few at a time.
  const limit = pLimit(Math.max(1, options.transfers));
  await Promise.all(
    source.files.map((f) =>
      limit(async () => {
        const d = existing.get(f.rel);
        const entry = { rel: f.rel, size: f.info.size, from: f.info.name, to: below(dst, dst.path, f.rel) };
        if (!d) plan.copy.push({ ...entry, reason: "new" });
        else if (d.info.size !== f.info.size || (await hashOf(src, f)) !== (await hashOf(dst, d)))
          plan.copy.push({ ...entry, reason: "changed" });
        else plan.unchanged++;
      }),
    ),
  );
  if (options.delete) {
    const wanted = new Set(source.files.map((f) => f.rel));
    for (const d of target.files) if (!wanted.has(d.rel)) plan.delete.push({ rel: d.rel, path: d.info.name });
  }
  plan.copy.sort((a, b) => a.rel.localeCompare(b.rel));
  plan.delete.sort((a, b) => a.rel.localeCompare(b.rel));
  return plan;
}

export async function runSync(
  src: Location,
  dst: Location,
  plan: SyncPlan,
  transfers: number,
): Promise<void> {
  const folders = new Set(plan.copy.map((c) => parentOf(dst, c.to)));
  for (const dir of [...folders].sort((a, b) => a.length - b.length)) await ensureDir(dst, dir);
  await copyFiles(src, dst, plan.copy, transfers);
  const limit = pLimit(Math.max(1, transfers));
  await Promise.all(plan.delete.map((d) => limit(() => dst.fs.rm(d.path))));
}

async function listTreeIfExists(loc: Location): Promise<{ files: TreeFile[] }> {
  return (await loc.fs.exists(loc.path)) ? listTree(loc, loc.path) : { files: [] };
}

async function hashOf(loc: Location, file: TreeFile): Promise<string | undefined> {
  return file.info.hash ?? (await loc.fs.checksum(file.info.name));
}
