// Which filesystem a URL belongs to. `onedrive://` resolves to the default OneDrive filesystem
// that a connection registers (package `ferry`'s `onedriveConnect()` will call
// `setDefaultOneDrive`); `file://` URLs and plain paths are local; other schemes come from
// `registerFileSystem`. Factories run lazily, once, so importing Ferry never opens a connection.

import { FerryError } from "@ferry/graph";
import type { ReadCache, ReadCacheOptions } from "./cache/readCache.ts";
import type { AbstractFileSystem } from "./fileSystem.ts";
import { FILE_PROTOCOL, LocalFileSystem } from "./localFileSystem.ts";
import { ONEDRIVE_PROTOCOL, OneDriveFileSystem } from "./oneDriveFileSystem.ts";

export type FileSystemFactory = () => AbstractFileSystem | Promise<AbstractFileSystem>;

interface Entry {
  factory: FileSystemFactory;
  instance?: Promise<AbstractFileSystem>;
}

const registry = new Map<string, Entry>();
const local = new LocalFileSystem();
registry.set(FILE_PROTOCOL, { factory: () => local, instance: Promise.resolve(local) });

/** A scheme needs two letters or more, so a Windows drive (`C:\data`) is never read as one. */
const SCHEME = /^([a-z][a-z0-9+.-]+):\/\//i;

/** Serves `protocol://…` URLs with the filesystem the factory returns (called once, on first use). */
export function registerFileSystem(protocol: string, factory: FileSystemFactory): void {
  const key = protocol.toLowerCase().replace(/:\/\/$|:$/, "");
  if (!/^[a-z][a-z0-9+.-]+$/.test(key))
    throw new FerryError(`${JSON.stringify(protocol)} is not a URL scheme`);
  registry.set(key, { factory });
}

/** Removes a scheme (`file` stays). */
export function unregisterFileSystem(protocol: string): void {
  const key = protocol.toLowerCase();
  if (key !== FILE_PROTOCOL) registry.delete(key);
}

/**
 * The filesystem `onedrive://` paths use: an instance, or a function that makes one when first
 * needed. `undefined` forgets it.
 */
export function setDefaultOneDrive(
  fs: AbstractFileSystem | (() => AbstractFileSystem | Promise<AbstractFileSystem>) | undefined,
): void {
  if (fs === undefined) {
    registry.delete(ONEDRIVE_PROTOCOL);
    return;
  }
  registerFileSystem(ONEDRIVE_PROTOCOL, typeof fs === "function" ? fs : () => fs);
}

export interface ResolvedUrl {
  fs: AbstractFileSystem;
  /** The path within `fs`, canonical (no scheme). */
  path: string;
  protocol: string;
}

/**
 * The scheme a URL names, lower-case and without `://` (`onedrive`, `s3`), or `file` for `file://` URLs and plain
 * paths. The one test of "is this a OneDrive path": `protocolOf(text) === ONEDRIVE_PROTOCOL`.
 */
export function protocolOf(url: string | URL): string {
  const text = typeof url === "string" ? url : url.href;
  return SCHEME.exec(text)?.[1]?.toLowerCase() ?? FILE_PROTOCOL;
}

/** Per-call choice of the local read cache, for the verbs and readers that take `url`. */
export interface CacheOption {
  /** Read through the local read cache (`true`: the default folder), or not (`false`). */
  cache?: boolean | ReadCacheOptions | ReadCache | undefined;
}

/**
 * The filesystem and path a URL (`onedrive://a/b.csv`, `file:///tmp/x`, `data/x.csv`) stands for.
 * With `cache`, a OneDrive filesystem comes back reading through that cache.
 */
export async function resolveUrl(url: string | URL, options: CacheOption = {}): Promise<ResolvedUrl> {
  const text = typeof url === "string" ? url : url.href;
  const scheme = protocolOf(text);
  let fs = await fileSystemFor(scheme);
  if (options.cache !== undefined && fs instanceof OneDriveFileSystem) fs = fs.withCache(options.cache);
  return { fs, path: fs.normalize(text), protocol: scheme };
}

/** The filesystem registered for a scheme. */
export async function fileSystemFor(protocol: string): Promise<AbstractFileSystem> {
  const key = protocol.toLowerCase();
  const entry = registry.get(key);
  if (!entry) {
    if (key === ONEDRIVE_PROTOCOL)
      throw new FerryError(
        "onedrive:// paths need a OneDrive connection and none is set up in this process: call onedriveConnect() from the `ferry` package first, or run `ferry login` so it can find your Ferry broker",
      );
    throw new FerryError(
      `no filesystem is registered for ${key}:// URLs (known: ${[...registry.keys()].map((k) => `${k}://`).join(", ")}); call registerFileSystem("${key}", factory)`,
    );
  }
  if (!entry.instance) {
    const made = (async () => entry.factory())();
    entry.instance = made;
    // A factory that failed (no credentials yet, say) is asked again next time.
    made.catch(() => {
      if (entry.instance === made) entry.instance = undefined;
    });
  }
  return entry.instance;
}
