// Glob expansion that lists only the folders a pattern can reach. The pattern is split into path
// segments: literal segments are followed without listing (`a/b/*.csv` lists only `a/b`), a
// wildcard segment lists one folder and keeps the children it matches, and `**` descends. On
// OneDrive every listing is a round trip, so walking the whole drive for `a/*/b.csv` is not an option.
//
// Written by hand because the matcher must work one segment at a time to prune the walk, and with
// fsspec's meaning (`*` also matches names starting with a dot; no braces or extglobs), which
// picomatch/minimatch would need half their options turned off to give.

import pLimit from "p-limit";
import { baseName, isNotFound } from "./common.ts";
import type { FileInfo } from "./types.ts";

type Segment = { kind: "literal"; name: string } | { kind: "match"; re: RegExp } | { kind: "globstar" };

export interface GlobHost {
  normalize(path: string): string;
  join(dir: string, name: string): string;
  list(dir: string): Promise<FileInfo[]>;
  info(path: string): Promise<FileInfo | undefined>;
  concurrency: number;
}

const MAGIC = /[*?[]/;

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Every path matching `pattern`, keyed by path. */
export async function expandGlob(host: GlobHost, pattern: string): Promise<Map<string, FileInfo>> {
  const results = new Map<string, FileInfo>();
  const parts = pattern.split("/");
  const firstMagic = parts.findIndex(hasMagic);
  if (firstMagic < 0) {
    const info = await host.info(pattern);
    if (info) results.set(info.name, info);
    return results;
  }
  // The literal prefix is a real path (scheme, relative or absolute); the filesystem resolves it.
  const base = host.normalize(parts.slice(0, firstMagic).join("/"));
  const segments = parts
    .slice(firstMagic)
    .filter((s) => s !== "" && s !== ".")
    .map(compileSegment);
  const last = segments.length - 1;

  const limit = pLimit(host.concurrency);
  const listings = new Map<string, Promise<FileInfo[]>>();
  const list = (dir: string): Promise<FileInfo[]> => {
    let listing = listings.get(dir);
    if (!listing) {
      listing = limit(() => host.list(dir))
        // A listing of a file answers its own info; a glob descends only into folders.
        .then((children) => children.filter((c) => c.name !== dir))
        .catch((error: unknown) => {
          if (isNotFound(error)) return [];
          throw error;
        });
      listings.set(dir, listing);
    }
    return listing;
  };
  const visited = new Set<string>();

  const visit = async (dir: string, i: number): Promise<void> => {
    // `a/**/**/b` and overlapping `**` paths reach the same (folder, segment) more than once.
    const key = `${i}\u0000${dir}`;
    if (visited.has(key)) return;
    visited.add(key);
    const segment = segments[i];
    if (!segment) return;

    if (segment.kind === "literal") {
      let next: string;
      try {
        next = host.join(dir, segment.name);
      } catch {
        return; // a name this filesystem cannot hold matches nothing
      }
      if (i < last) return visit(next, i + 1);
      const info = await host.info(next);
      if (info) results.set(info.name, info);
      return;
    }

    const children = await list(dir);
    if (segment.kind === "match") {
      const work: Promise<void>[] = [];
      for (const child of children) {
        if (!segment.re.test(baseName(child.name))) continue;
        if (i === last) results.set(child.name, child);
        else if (child.type === "directory") work.push(visit(child.name, i + 1));
      }
      await Promise.all(work);
      return;
    }

    // `**`: zero folders (try the next segment here) or one more folder (stay on `**` below).
    const work: Promise<void>[] = [];
    if (i === last) {
      // A trailing `**` matches everything below, files and folders.
      for (const child of children) results.set(child.name, child);
    } else {
      work.push(visit(dir, i + 1));
    }
    for (const child of children) if (child.type === "directory") work.push(visit(child.name, i));
    await Promise.all(work);
  };

  await visit(base, 0);
  return results;
}

function compileSegment(segment: string): Segment {
  if (segment === "**") return { kind: "globstar" };
  if (!hasMagic(segment)) return { kind: "literal", name: segment };
  let source = "";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "*") {
      // `**` inside a name (`a**b`) means the same as `*`: it cannot cross a folder.
      while (segment[i + 1] === "*") i++;
      source += "[^/]*";
    } else if (c === "?") {
      source += "[^/]";
    } else if (c === "[") {
      const cls = characterClass(segment, i);
      if (cls) {
        source += cls.source;
        i = cls.end;
      } else {
        source += "\\[";
      }
    } else {
      source += escapeRegExp(c);
    }
  }
  return { kind: "match", re: new RegExp(`^${source}$`, "su") };
}

/** `[abc]`, `[a-z]`, `[!abc]` or `[^abc]` starting at `start`; undefined when there is no closing `]`. */
function characterClass(segment: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (segment[i] === "!" || segment[i] === "^") {
    negate = true;
    i++;
  }
  const first = i;
  // A `]` right after the opening bracket is a member, as in POSIX.
  while (i < segment.length && (segment[i] !== "]" || i === first)) i++;
  if (i >= segment.length) return undefined;
  const members = segment.slice(first, i).replace(/[\\\]^[]/g, (m) => `\\${m}`);
  return { source: `[${negate ? "^" : ""}${members}]`, end: i };
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
