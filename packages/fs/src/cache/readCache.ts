// The local read cache: whole files from OneDrive kept on local disk, the counterpart of fsspec's
// `filecache` and rclone's VFS cache. An entry is named by the item (drive id + item id) and its
// content version (cTag, else eTag), so an entry's bytes never change once stored: a changed file
// has a new cTag, misses, and is fetched again; it can never be served stale. Every read costs one
// metadata request (to learn the current cTag) and, on a hit, no content bytes.
//
// Shared safely by processes: bytes land in `tmp/`, are hashed with QuickXorHash and fsynced, and
// only then renamed into `entries/` (rename is atomic on one filesystem), so a reader sees a whole,
// verified file or none, and a writer killed mid-download leaves only a temporary file nobody
// reads. A lock file per entry makes a second process wait for the first one's download instead
// of fetching the same bytes twice. Least-recently-used entries go when the cache outgrows its cap.

import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { FerryError, IntegrityError, type OneDriveClient, QuickXorHash } from "@ferry/graph";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { parseByteSize } from "./byteSize.ts";
import { entryKey } from "./entryKey.ts";

/** 5 GiB: room for a working set of data files without surprising anyone's disk. */
export const DEFAULT_CACHE_MAX_BYTES = 5 * 1024 ** 3;
/** What the one metadata request per read asks for: enough to name the entry and check it. */
const SELECT = ["id", "name", "size", "eTag", "cTag", "file", "folder", "parentReference"];
/** How often a waiting process looks whether the entry another one is filling has arrived. */
const LOCK_POLL_MS = 50;
/** Entries used this recently are not evicted: a reader in another process may be about to open them. */
const EVICTION_GRACE_MS = 5_000;

export interface ReadCacheOptions {
  /** The cache folder (default `FERRY_CACHE_DIR`, else `$FERRY_HOME/cache`, else `~/.ferry/cache`). */
  dir?: string;
  /** Size cap in bytes, or a size such as `"20G"` (default `FERRY_CACHE_MAX_SIZE`, else 5 GiB). */
  maxSize?: number | string;
  /**
   * Entries used this recently are never evicted (default 5 s): another process may have just been
   * handed the path and not opened it yet.
   */
  evictionGraceMs?: number;
}

/** A verified local copy of a OneDrive file. */
export interface CachedFile {
  /** The local file. Read it, never write it: other processes may be reading it too. */
  path: string;
  /** True when the bytes were already cached (no content was downloaded). */
  hit: boolean;
  size: number;
  /** QuickXorHash (base64) of the bytes, as OneDrive reports it and as checked when stored. */
  hash: string;
  /** The item as the metadata request returned it. */
  item: DriveItem;
}

/** What an entry's `.json` record holds, for `ferry cache info`. */
export interface CacheEntryInfo {
  key: string;
  /** The drive path when the entry was stored. */
  remotePath: string;
  size: number;
  hash: string;
  cTag?: string | undefined;
  eTag?: string | undefined;
  storedAt: string;
  lastUsed: Date;
  /** For a file derived from the item (see `variant()`), its variant name. */
  variant?: string | undefined;
}

export interface CacheStats {
  dir: string;
  maxBytes: number;
  entries: number;
  bytes: number;
  /** Temporary files of downloads in progress, or left by a writer that was killed. */
  partialBytes: number;
  files: CacheEntryInfo[];
}

/** Hits and misses in this process, for callers (such as `query()`) that report what moved. */
export interface CacheCounters {
  hits: number;
  misses: number;
  bytesDownloaded: number;
}

export class ReadCache {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly evictionGraceMs: number;
  readonly counters: CacheCounters = { hits: 0, misses: 0, bytesDownloaded: 0 };
  private readonly inFlight = new Map<string, Promise<CachedFile>>();
  private readonly ready: Promise<void>;

  constructor(options: ReadCacheOptions = {}) {
    this.dir = options.dir ?? defaultCacheDir();
    const max = options.maxSize ?? process.env.FERRY_CACHE_MAX_SIZE;
    this.maxBytes =
      max === undefined || max === "" ? DEFAULT_CACHE_MAX_BYTES : parseByteSize(max, "the cache size cap");
    // 0700: cached files are the user's data, as readable as the files on OneDrive are private.
    this.evictionGraceMs = options.evictionGraceMs ?? EVICTION_GRACE_MS;
    this.ready = Promise.all(
      ["entries", "tmp", "locks"].map((d) => mkdir(join(this.dir, d), { recursive: true, mode: 0o700 })),
    ).then(() => undefined);
    this.ready.catch(() => undefined);
  }

  /** The cache `FERRY_CACHE_DIR` names, or undefined when the variable is unset. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): ReadCache | undefined {
    const dir = env.FERRY_CACHE_DIR;
    return dir ? shared(dir) : undefined;
  }

  /** The process's cache for `dir` (default folder when omitted), one instance per folder. */
  static shared(dir: string = defaultCacheDir()): ReadCache {
    return shared(dir);
  }

  /**
   * A verified local copy of the file at `path` on the client's drive: one metadata request, then
   * the cached bytes if the file's content version is unchanged, else a fresh verified download.
   */
  async fetch(
    client: OneDriveClient,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<CachedFile> {
    await this.ready;
    const item = await client.stat(path, {
      select: SELECT,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (item.folder || !item.file)
      throw new FerryError(`${path || "/"} is a folder: only files can be cached`);
    const key = entryKey(item);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.obtain(client, path, item, key, options.signal).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /**
   * The file's current metadata (one request) and its whole-file entry if cached; never downloads.
   * `variant()` then caches something derived from this version without asking again.
   */
  async peek(
    client: OneDriveClient,
    path: string,
  ): Promise<{ item: DriveItem; cached: CachedFile | undefined }> {
    await this.ready;
    const item = await client.stat(path, { select: SELECT });
    if (item.folder || !item.file)
      throw new FerryError(`${path || "/"} is a folder: only files can be cached`);
    return { item, cached: await this.lookup(entryKey(item), item) };
  }

  /**
   * A file derived from one version of an item (a Parquet file holding some of its columns, say),
   * cached beside the item's entry under the name `variant` and gone with that version. `build`
   * writes it to the temporary path it is given; the same atomic rename, lock and LRU apply. Its
   * bytes are the builder's to check: it is not the file OneDrive's QuickXorHash describes.
   */
  async variant(
    item: DriveItem,
    remotePath: string,
    variant: string,
    build: (temp: string) => Promise<void>,
  ): Promise<CachedFile> {
    await this.ready;
    if (!/^[a-z0-9]+$/.test(variant))
      throw new FerryError(`cache variant names are lower-case letters and digits`);
    const key = `${entryKey(item)}-${variant}`;
    const lock = join(this.dir, "locks", `${key}.lock`);
    const found = () => this.lookup(key, item, false);
    for (;;) {
      const hit = await found();
      if (hit) return hit;
      if (await takeLock(lock)) break;
      await sleep(LOCK_POLL_MS);
    }
    try {
      const again = await found();
      if (again) return again;
      this.counters.misses++;
      const temp = join(this.dir, "tmp", `${key}.${process.pid}.${randomBytes(4).toString("hex")}`);
      try {
        await build(temp);
        const handle = await open(temp, "r");
        let size: number;
        try {
          await handle.sync();
          size = (await handle.stat()).size;
        } finally {
          await handle.close();
        }
        await chmod(temp, 0o400);
        const record = {
          remotePath,
          size,
          hash: "",
          variant,
          cTag: item.cTag ?? undefined,
          eTag: item.eTag ?? undefined,
          storedAt: new Date().toISOString(),
        };
        await writeAtomic(this.dir, `${key}.json`, JSON.stringify(record));
        await rename(temp, this.entryFile(key));
        await this.dropOlderVersions(key);
        await this.evict(key);
        return { path: this.entryFile(key), hit: false, size, hash: "", item };
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    } finally {
      await rm(lock, { force: true });
    }
  }

  /** The entry if present, else the download (waiting for another process already filling it). */
  private async obtain(
    client: OneDriveClient,
    path: string,
    item: DriveItem,
    key: string,
    signal?: AbortSignal,
  ): Promise<CachedFile> {
    const hit = await this.lookup(key, item);
    if (hit) return hit;
    const lock = join(this.dir, "locks", `${key}.lock`);
    for (;;) {
      if (await takeLock(lock)) {
        try {
          // Another process may have finished between our lookup and taking the lock.
          return (await this.lookup(key, item)) ?? (await this.store(client, path, item, signal));
        } finally {
          await rm(lock, { force: true });
        }
      }
      await sleep(LOCK_POLL_MS, signal);
      const filled = await this.lookup(key, item);
      if (filled) return filled;
    }
  }

  /** A present entry, marked as just used (its mtime is the LRU clock). */
  private async lookup(key: string, item: DriveItem, wholeFile = true): Promise<CachedFile | undefined> {
    const file = this.entryFile(key);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    // Entries are immutable; a size that disagrees means the file was tampered with outside Ferry.
    if (wholeFile && size !== (item.size ?? 0)) {
      await rm(file, { force: true });
      return undefined;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    this.counters.hits++;
    return {
      path: file,
      hit: true,
      size,
      hash: wholeFile ? (item.file?.hashes?.quickXorHash ?? "") : "",
      item,
    };
  }

  /** Downloads into `tmp/`, checks the hash, fsyncs, then renames into `entries/`. */
  private async store(
    client: OneDriveClient,
    path: string,
    item: DriveItem,
    signal?: AbortSignal,
  ): Promise<CachedFile> {
    this.counters.misses++;
    await this.removeDeadPartials();
    const download = await client.openDownload(path, signal ? { signal } : {});
    // The file changed between the metadata request and the download: store what was downloaded,
    // under its own version, and hand that out (it is the newer one).
    // The download's own metadata request does not ask for parentReference: the drive id (part of
    // the entry's name) comes from ours, which named the same item.
    const got: DriveItem = { ...download.item, parentReference: item.parentReference ?? null };
    if (got.id !== item.id)
      throw new FerryError(`${path} was replaced on OneDrive while it was being read; read it again`);
    const gotKey = entryKey(got);
    const expected = got.file?.hashes?.quickXorHash ?? undefined;
    const temp = join(this.dir, "tmp", `${gotKey}.${process.pid}.${randomBytes(4).toString("hex")}`);
    const hash = new QuickXorHash();
    let bytes = 0;
    try {
      const out = createWriteStream(temp, { mode: 0o600 });
      await pipeline(
        Readable.fromWeb(download.stream as import("node:stream/web").ReadableStream<Uint8Array>),
        new Transform({
          transform(chunk: Uint8Array, _encoding, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
        out,
        signal ? { signal } : {},
      );
      const actual = hash.digest();
      if (bytes !== (got.size ?? 0))
        throw new FerryError(`${path}: received ${bytes} bytes, expected ${got.size}; nothing was cached`);
      // Checked here as well as by the download itself, so what the cache holds is what it verified.
      if (expected && actual !== expected)
        throw new IntegrityError({ path, expectedHash: expected, actualHash: actual });
      const handle = await open(temp, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Entries are read-only: whoever is handed the path (DuckDB through a hard link, say) can
      // never write into bytes other readers share. Renaming and deleting still work.
      await chmod(temp, 0o400);
      const record = {
        remotePath: path,
        size: bytes,
        hash: actual,
        cTag: got.cTag ?? undefined,
        eTag: got.eTag ?? undefined,
        storedAt: new Date().toISOString(),
      };
      await writeAtomic(this.dir, `${gotKey}.json`, JSON.stringify(record));
      await rename(temp, this.entryFile(gotKey));
      this.counters.bytesDownloaded += bytes;
      await this.dropOlderVersions(gotKey);
      await this.evict(gotKey);
      return { path: this.entryFile(gotKey), hit: false, size: bytes, hash: actual, item: got };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Lists the entries, oldest use first. */
  async info(): Promise<CacheStats> {
    await this.ready;
    await this.removeDeadPartials();
    const files = await this.entries();
    let partialBytes = 0;
    for (const name of await readdir(join(this.dir, "tmp"))) {
      partialBytes += await stat(join(this.dir, "tmp", name)).then(
        (s) => s.size,
        () => 0,
      );
    }
    return {
      dir: this.dir,
      maxBytes: this.maxBytes,
      entries: files.length,
      bytes: files.reduce((n, f) => n + f.size, 0),
      partialBytes,
      files,
    };
  }

  /** Empties the cache. Processes reading an entry at that moment keep their open files. */
  async clear(): Promise<{ entries: number; bytes: number }> {
    const before = await this.info();
    for (const f of before.files) await this.remove(f.key);
    await this.removeDeadPartials();
    return { entries: before.entries, bytes: before.bytes };
  }

  /** Removes least-recently-used entries until the cache fits its cap (`keep` stays). */
  async evict(keep?: string): Promise<number> {
    const files = await this.entries();
    let total = files.reduce((n, f) => n + f.size, 0);
    let removed = 0;
    const now = Date.now();
    for (const f of files) {
      if (total <= this.maxBytes) break;
      if (f.key === keep || now - f.lastUsed.getTime() < this.evictionGraceMs) continue;
      await this.remove(f.key);
      total -= f.size;
      removed++;
    }
    return removed;
  }

  private entryFile(key: string): string {
    return join(this.dir, "entries", `${key}.data`);
  }

  private async remove(key: string): Promise<void> {
    // Data first: without it the record is inert, and `entries()` sweeps a lone record.
    await rm(this.entryFile(key), { force: true });
    await rm(join(this.dir, "entries", `${key}.json`), { force: true });
  }

  /**
   * A new version of an item makes its older versions (and what was derived from them) unreachable:
   * free their space now. Names are `<item>-<version>[-<variant>]`.
   */
  private async dropOlderVersions(key: string): Promise<void> {
    const [item, version] = key.split("-");
    for (const name of await readdir(join(this.dir, "entries"))) {
      if (!name.endsWith(".data")) continue;
      const [otherItem, otherVersion] = name.slice(0, -".data".length).split("-");
      if (otherItem === item && otherVersion !== version) await this.remove(name.slice(0, -".data".length));
    }
  }

  /** Every stored entry, least recently used first. */
  private async entries(): Promise<CacheEntryInfo[]> {
    const dir = join(this.dir, "entries");
    const names = new Set(await readdir(dir));
    const out: CacheEntryInfo[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const key = name.slice(0, -".json".length);
      if (!names.has(`${key}.data`)) {
        // A record whose data never arrived (writer killed between the two renames) or was removed.
        await rm(join(dir, name), { force: true });
        continue;
      }
      try {
        const [record, data] = await Promise.all([
          readFile(join(dir, name), "utf8"),
          stat(this.entryFile(key)),
        ]);
        const parsed = JSON.parse(record) as Omit<CacheEntryInfo, "key" | "lastUsed" | "size">;
        out.push({ ...parsed, key, size: data.size, lastUsed: data.mtime });
      } catch {
        // Removed by another process while we looked: not an entry any more.
      }
    }
    return out.sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
  }

  /** Temporary files and locks whose writer process is gone (killed, crashed). */
  private async removeDeadPartials(): Promise<void> {
    for (const sub of ["tmp", "locks"]) {
      const dir = join(this.dir, sub);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const owner = sub === "tmp" ? Number(name.split(".")[1]) : await lockOwner(join(dir, name));
        if (owner !== undefined && !processAlive(owner)) await rm(join(dir, name), { force: true });
      }
    }
  }
}

const instances = new Map<string, ReadCache>();

function shared(dir: string): ReadCache {
  let cache = instances.get(dir);
  if (!cache) {
    cache = new ReadCache({ dir });
    instances.set(dir, cache);
  }
  return cache;
}

/** `FERRY_CACHE_DIR`, else `cache` under Ferry's home folder. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRY_CACHE_DIR) return env.FERRY_CACHE_DIR;
  const home = env.FERRY_HOME && env.FERRY_HOME !== "" ? env.FERRY_HOME : join(homedir(), ".ferry");
  return join(home, "cache");
}

/** Creates the lock file with our pid, or finds it taken (a dead owner's lock is taken over). */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await writeFile(lock, String(process.pid), { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const owner = await lockOwner(lock);
  if (owner !== undefined && !processAlive(owner)) {
    // Rename is atomic: of two processes clearing the same dead lock, one succeeds, and both
    // then race fairly for a fresh `wx` create.
    await rename(lock, `${lock}.${process.pid}.stale`).then(
      (): Promise<void> => rm(`${lock}.${process.pid}.stale`, { force: true }),
      () => undefined,
    );
  }
  return false;
}

async function lockOwner(lock: string): Promise<number | undefined> {
  const text = await readFile(lock, "utf8").catch(() => undefined);
  const pid = Number(text);
  // An empty lock is one being written this instant: its owner is alive.
  return text && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes `entries/<name>` through `tmp/` (named `<key>.<pid>.…`, so a dead writer's is swept). */
async function writeAtomic(dir: string, name: string, text: string): Promise<void> {
  const [key, ext] = name.split(".");
  const temp = join(dir, "tmp", `${key}.${process.pid}.${randomBytes(4).toString("hex")}.${ext}`);
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, join(dir, "entries", name));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
