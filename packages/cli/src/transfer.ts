// Moving bytes between two Locations, in any direction: local → OneDrive (upload sessions),
// OneDrive → local (verified downloads), OneDrive → OneDrive (Graph's server-side copy: no bytes pass
// through this machine), local → local. Trees are listed first so the total is known, folders are made
// parents-first, then files go with bounded concurrency, each with its progress bar.

import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join as joinLocal, relative, sep } from "node:path";
import { baseName, type FileInfo } from "@ferry/fs";
import pLimit from "p-limit";
import { UsageError } from "./errors.ts";
import type { Location } from "./locations.ts";
import { TransferProgress } from "./progress.ts";

/** A file of a tree, by its path relative to the tree's root, always with `/` separators. */
export interface TreeFile {
  rel: string;
  info: FileInfo;
}

/** Files (and folders) below `root`; empty when root does not exist. A file root lists as itself with rel "". */
export async function listTree(loc: Location, root: string): Promise<{ files: TreeFile[]; dirs: string[] }> {
  const found = await loc.fs.find(root, { detail: true, withDirs: true });
  const files: TreeFile[] = [];
  const dirs: string[] = [];
  for (const info of Object.values(found)) {
    const rel = relativeTo(loc, root, info.name);
    if (info.type === "directory") {
      if (rel !== "") dirs.push(rel);
    } else files.push({ rel, info });
  }
  dirs.sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  return { files, dirs };
}

export function relativeTo(loc: Location, root: string, path: string): string {
  if (loc.kind === "local") return relative(root, path).split(sep).join("/");
  if (root === "") return path;
  return path === root ? "" : path.slice(root.length + 1);
}

/** `rel` (with `/` separators) below `root` in the location's own path syntax. */
export function below(loc: Location, root: string, rel: string): string {
  if (rel === "") return root;
  return loc.kind === "local" ? joinLocal(root, ...rel.split("/")) : loc.fs.join(root, rel);
}

export async function ensureDir(loc: Location, path: string): Promise<void> {
  if (loc.kind === "local") await mkdir(path, { recursive: true });
  else if (path !== "") await loc.client.mkdir(path, { parents: true });
}

export function parentOf(loc: Location, path: string): string {
  if (loc.kind === "local") return dirname(path);
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

/** Copies one file; `onBytes` sees bytes done so far. The destination's folder must exist. */
export async function copyOneFile(
  src: Location,
  from: string,
  dst: Location,
  to: string,
  onBytes: (bytes: number) => void,
): Promise<void> {
  if (src.kind === "local" && dst.kind === "onedrive") {
    await dst.client.upload(to, from, { onProgress: (bytes) => onBytes(bytes) });
  } else if (src.kind === "onedrive" && dst.kind === "local") {
    await src.client.downloadTo(from, to, { onProgress: (bytes) => onBytes(bytes) });
  } else if (src.kind === "onedrive" && dst.kind === "onedrive") {
    await dst.client.copy(from, to);
  } else {
    await copyFile(from, to);
  }
}

export interface TreeCopy {
  from: string;
  to: string;
  rel: string;
  size: number;
}

/** Copies the given files with at most `transfers` at once, drawing progress on a terminal. */
export async function copyFiles(
  src: Location,
  dst: Location,
  copies: TreeCopy[],
  transfers: number,
): Promise<void> {
  const progress = new TransferProgress({
    totalBytes: copies.reduce((sum, c) => sum + c.size, 0),
    totalFiles: copies.length,
  });
  const limit = pLimit(Math.max(1, transfers));
  const retriesBefore = retriesOf(src, dst);
  try {
    await Promise.all(
      copies.map((c) =>
        limit(async () => {
          const bar = progress.file(c.rel || baseName(c.from), c.size);
          await copyOneFile(src, c.from, dst, c.to, (bytes) => bar.update(bytes));
          bar.done();
        }),
      ),
    );
  } finally {
    progress.stop();
  }
  // Quiet when nothing went wrong, as cp is; otherwise say that Graph pushed back and that it did not matter.
  const retries = retriesOf(src, dst) - retriesBefore;
  if (retries > 0) {
    process.stderr.write(
      `${retries} request${retries === 1 ? " was" : "s were"} retried after throttling or transient errors; ` +
        `all ${copies.length} file${copies.length === 1 ? "" : "s"} arrived and verified\n`,
    );
  }
}

function retriesOf(...locations: Location[]): number {
  const clients = new Set(locations.flatMap((l) => (l.kind === "onedrive" ? [l.client] : [])));
  let retries = 0;
  for (const client of clients) retries += client.stats.retries;
  return retries;
}

/** `cp [-r] SRC DST`: a file or a tree, into DST or as DST, as Unix cp decides. */
export async function copyPath(
  src: Location,
  dst: Location,
  options: { recursive?: boolean; transfers: number },
): Promise<void> {
  const info = await src.fs.info(src.path);
  if (info.type === "directory" && !options.recursive) {
    throw new UsageError(`${src.text} is a folder: use cp -r to copy it with its contents`);
  }
  // Into an existing folder (or one named with a trailing slash) the source keeps its name, as cp does.
  const intoFolder = /[\\/]$/.test(dst.text) || (await dst.fs.isDir(dst.path));
  const target = intoFolder ? below(dst, dst.path, baseName(src.path)) : dst.path;
  if (info.type === "file") {
    await ensureDir(dst, parentOf(dst, target));
    await copyFiles(src, dst, [{ from: src.path, to: target, rel: baseName(src.path), size: info.size }], 1);
    return;
  }
  if (src.kind === "onedrive" && dst.kind === "onedrive") {
    // One server-side copy of the whole folder: Graph copies the tree itself.
    await ensureDir(dst, parentOf(dst, target));
    await dst.client.copy(src.path, target);
    return;
  }
  const tree = await listTree(src, src.path);
  await ensureDir(dst, target);
  for (const dir of tree.dirs) await ensureDir(dst, below(dst, target, dir));
  const copies: TreeCopy[] = tree.files.map((f) => ({
    from: f.info.name,
    to: below(dst, target, f.rel),
    rel: f.rel,
    size: f.info.size,
  }));
  await copyFiles(src, dst, copies, options.transfers);
}
