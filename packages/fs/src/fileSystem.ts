// The filesystem interface every scheme implements (onedrive://, file://, whatever is registered),
// with fsspec's method names so data people recognise them. What can be built from `ls` and
// `info` alone (walk, find, glob, du, exists, catRanges) is written once here, as fsspec's
// AbstractFileSystem does; each backend writes only the verbs its storage answers differently.

import type { Readable } from "node:stream";
import { FerryError } from "@ferry/graph";
import pLimit from "p-limit";
import { baseName, isNotFound } from "./common.ts";
import { expandGlob } from "./glob.ts";
import type {
  ByteSource,
  FileInfo,
  FindOptions,
  RandomAccessFile,
  RangeOptions,
  TransferOptions,
  WriteData,
} from "./types.ts";

export abstract class AbstractFileSystem {
  /** The URL scheme this filesystem answers for, e.g. `onedrive` or `file`. */
  abstract readonly protocol: string;
  /** Listings and transfers run at most this many requests at once. */
  readonly concurrency: number;

  constructor(options: { concurrency?: number } = {}) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  }

  // ---- what each backend provides -------------------------------------------------------------

  /**
   * The canonical form of a path in this filesystem: its own scheme stripped, separators and name
   * rules applied. Idempotent: every method normalizes what it is given, canonical paths included.
   */
  abstract normalize(path: string): string;
  /** The path of `name` inside folder `dir` (both canonical). */
  abstract join(dir: string, name: string): string;
  /** The children of a folder; a file yields its own info, as in fsspec. */
  protected abstract listInfo(path: string): Promise<FileInfo[]>;
  abstract info(path: string): Promise<FileInfo>;
  abstract cat(path: string, range?: RangeOptions): Promise<Uint8Array>;
  abstract open(path: string): Promise<RandomAccessFile>;
  abstract createReadStream(path: string, range?: RangeOptions): Readable;
  abstract writeFile(path: string, data: WriteData): Promise<FileInfo>;
  /** Writes a stream; `size`, when known, lets OneDrive skip spooling an unknown-length stream to disk. */
  abstract pipe(path: string, source: ByteSource, options?: { size?: number }): Promise<FileInfo>;
  abstract put(localPath: string, remotePath: string, options?: TransferOptions): Promise<string[]>;
  abstract get(remotePath: string, localPath: string, options?: TransferOptions): Promise<string[]>;
  /** Creates a folder (and, by default, its missing parents); fails when it already exists. */
  abstract mkdir(path: string, options?: { createParents?: boolean }): Promise<void>;
  abstract makedirs(path: string, options?: { existOk?: boolean }): Promise<void>;
  abstract rm(path: string | string[], options?: { recursive?: boolean }): Promise<void>;
  abstract mv(from: string, to: string): Promise<FileInfo>;
  abstract cp(from: string, to: string, options?: TransferOptions): Promise<FileInfo>;
  /** Creates an empty file, or (`truncate: false`) updates an existing file's modification time. */
  abstract touch(path: string, options?: { truncate?: boolean }): Promise<FileInfo>;
  /** The file's QuickXorHash, the hash OneDrive reports, so local and remote copies compare. */
  abstract checksum(path: string): Promise<string>;

  // ---- built on the above -----------------------------------------------------------------------

  ls(path: string, options?: { detail?: false }): Promise<string[]>;
  ls(path: string, options: { detail: true }): Promise<FileInfo[]>;
  async ls(path: string, options: { detail?: boolean } = {}): Promise<string[] | FileInfo[]> {
    const infos = await this.listInfo(path);
    return options.detail ? infos : infos.map((i) => i.name);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.info(path);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async isFile(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path))?.type === "file";
  }

  async isDir(path: string): Promise<boolean> {
    return (await this.infoOrUndefined(path))?.type === "directory";
  }

  /**
   * Yields `[folder, subfolderNames, fileNames]` for `path` and every folder below it, like fsspec's
   * `walk` (and `os.walk`). Folders are visited level by level; each level's listings run
   * concurrently (up to `concurrency`), which is what keeps a deep OneDrive tree from being one
   * round trip per folder in sequence.
   */
  async *walk(
    path: string,
    options: { maxDepth?: number } = {},
  ): AsyncGenerator<[dir: string, dirs: string[], files: string[]]> {
    for await (const { dir, dirs, files } of this.walkInfo(path, options.maxDepth)) {
      yield [dir, dirs.map((d) => baseName(d.name)), files.map((f) => baseName(f.name))];
    }
  }

  /** Every file (and with `withDirs`, folder) below `path`, sorted, like fsspec's `find`. */
  find(path: string, options?: FindOptions & { detail?: false }): Promise<string[]>;
  find(path: string, options: FindOptions & { detail: true }): Promise<Record<string, FileInfo>>;
  async find(
    path: string,
    options: FindOptions & { detail?: boolean } = {},
  ): Promise<string[] | Record<string, FileInfo>> {
    const found = new Map<string, FileInfo>();
    const top = await this.infoOrUndefined(path);
    if (top?.type === "file") found.set(top.name, top);
    else if (top) {
      if (options.withDirs) found.set(top.name, top);
      for await (const { dirs, files } of this.walkInfo(top.name, options.maxDepth)) {
        if (options.withDirs) for (const d of dirs) found.set(d.name, d);
        for (const f of files) found.set(f.name, f);
      }
    }
    const names = [...found.keys()].sort();
    if (!options.detail) return names;
    return Object.fromEntries(names.map((n) => [n, found.get(n) as FileInfo]));
  }

  /**
   * Paths matching a pattern: `*` and `?` within one name, `[abc]` / `[!abc]` classes, `**` across
   * any number of folders. Only folders the pattern can reach are listed: `a/*\/b.csv` lists `a`
   * and nothing else.
   */
  glob(pattern: string, options?: { detail?: false }): Promise<string[]>;
  glob(pattern: string, options: { detail: true }): Promise<Record<string, FileInfo>>;
  async glob(
    pattern: string,
    options: { detail?: boolean } = {},
  ): Promise<string[] | Record<string, FileInfo>> {
    const found = await expandGlob(this.globHost(), pattern);
    const names = [...found.keys()].sort();
    if (!options.detail) return names;
    return Object.fromEntries(names.map((n) => [n, found.get(n) as FileInfo]));
  }

  /** Bytes used below `path`: the total, or (`total: false`) per file. */
  du(path: string, options?: { total?: true; maxDepth?: number }): Promise<number>;
  du(path: string, options: { total: false; maxDepth?: number }): Promise<Record<string, number>>;
  async du(
    path: string,
    options: { total?: boolean; maxDepth?: number } = {},
  ): Promise<number | Record<string, number>> {
    const files = await this.find(path, {
      detail: true,
      ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
    });
    if (options.total === false)
      return Object.fromEntries(Object.entries(files).map(([n, i]) => [n, i.size]));
    return Object.values(files).reduce((sum, i) => sum + i.size, 0);
  }

  /**
   * Several byte ranges of several files. Ranges of one file share one random-access reader, so
   * ranges near each other are fetched in a single request.
   */
  async catRanges(
    paths: string[],
    starts: number | (number | undefined)[],
    ends: number | (number | undefined)[] | undefined,
  ): Promise<Uint8Array[]> {
    const at = <T>(v: T | (T | undefined)[] | undefined, i: number): T | undefined =>
      Array.isArray(v) ? v[i] : v;
    if (Array.isArray(starts) && starts.length !== paths.length)
      throw new FerryError(`catRanges: ${paths.length} paths but ${starts.length} starts`);
    if (Array.isArray(ends) && ends.length !== paths.length)
      throw new FerryError(`catRanges: ${paths.length} paths but ${ends.length} ends`);
    const readers = new Map<string, Promise<RandomAccessFile>>();
    try {
      return await Promise.all(
        paths.map(async (path, i) => {
          let reader = readers.get(path);
          if (!reader) {
            reader = this.open(path);
            readers.set(path, reader);
          }
          const file = await reader;
          return new Uint8Array(await file.slice(at(starts, i) ?? 0, at(ends, i) ?? file.size));
        }),
      );
    } finally {
      await Promise.all([...readers.values()].map((r) => r.then((f) => f.close()).catch(() => undefined)));
    }
  }

  // ---- helpers for subclasses ---------------------------------------------------------------------

  protected async infoOrUndefined(path: string): Promise<FileInfo | undefined> {
    try {
      return await this.info(path);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The folders below `path`, level by level, with their listed children. */
  protected async *walkInfo(
    path: string,
    maxDepth = Number.POSITIVE_INFINITY,
  ): AsyncGenerator<{ dir: string; dirs: FileInfo[]; files: FileInfo[] }> {
    const limit = pLimit(this.concurrency);
    let level = [this.normalize(path)];
    for (let depth = 1; level.length > 0 && depth <= maxDepth; depth++) {
      const listed = await Promise.all(level.map((dir) => limit(() => this.listInfo(dir))));
      const next: string[] = [];
      for (const [i, children] of listed.entries()) {
        const dirs = children.filter((c) => c.type === "directory");
        const files = children.filter((c) => c.type === "file");
        // A path that is itself a file lists as [its own info]; it is not a folder to walk.
        if (dirs.length === 0 && files.length === 1 && files[0]?.name === level[i]) continue;
        yield { dir: level[i] as string, dirs, files };
        next.push(...dirs.map((d) => d.name));
      }
      level = next;
    }
  }

  private globHost() {
    return {
      normalize: (p: string) => this.normalize(p),
      join: (dir: string, name: string) => this.join(dir, name),
      list: (dir: string) => this.listInfo(dir),
      info: (p: string) => this.infoOrUndefined(p),
      concurrency: this.concurrency,
    };
  }
}
