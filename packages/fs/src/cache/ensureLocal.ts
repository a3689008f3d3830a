// A verified local path for any URL Ferry reads: a local file is itself; a OneDrive file is its
// entry in the read cache (fetched, QuickXorHash-checked, or reused while its cTag is unchanged).
// This is what lets tools that only read local files, such as DuckDB, read OneDrive files.

import { resolve } from "node:path";
import { FerryError } from "@ferry/graph";
import { LocalFileSystem } from "../localFileSystem.ts";
import { OneDriveFileSystem } from "../oneDriveFileSystem.ts";
import { resolveUrl } from "../registry.ts";
import { ReadCache, type ReadCacheOptions } from "./readCache.ts";

export interface LocalCopy {
  /** A local file with the URL's bytes. Read it, never write it (cache entries are shared). */
  path: string;
  /** Where it came from: `onedrive` (through the cache) or `file` (already local). */
  source: "onedrive" | "file";
  /** For OneDrive files: true when no content bytes were downloaded. */
  hit: boolean;
  size: number;
  /** QuickXorHash (base64) of a OneDrive file's bytes, checked when the entry was stored. */
  hash?: string | undefined;
}

export interface EnsureLocalOptions {
  /** The cache to use (default: the filesystem's, else `FERRY_CACHE_DIR`, else `~/.ferry/cache`). */
  cache?: ReadCacheOptions | ReadCache;
  signal?: AbortSignal;
}

/** A verified local copy of the file at `url` (one metadata request when it is already cached). */
export async function ensureLocal(url: string | URL, options: EnsureLocalOptions = {}): Promise<LocalCopy> {
  const { fs, path } = await resolveUrl(url);
  if (fs instanceof LocalFileSystem) {
    const info = await fs.info(path);
    if (info.type !== "file") throw new FerryError(`${path} is a folder: only files have a local copy`);
    return { path: resolve(path), source: "file", hit: true, size: info.size };
  }
  if (!(fs instanceof OneDriveFileSystem))
    throw new FerryError(`${String(url)}: local copies are made of onedrive:// and local files only`);
  const cache =
    options.cache instanceof ReadCache
      ? options.cache
      : options.cache
        ? new ReadCache(options.cache)
        : (fs.cache ?? ReadCache.shared());
  const copy = await cache.fetch(fs.client, path, options.signal ? { signal: options.signal } : {});
  return { path: copy.path, source: "onedrive", hit: copy.hit, size: copy.size, hash: copy.hash };
}
