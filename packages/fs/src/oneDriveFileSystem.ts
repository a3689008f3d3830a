// The onedrive:// filesystem: fsspec's verbs over a OneDriveClient. Paths are drive paths below the
// signed-in user's root (`onedrive://data/q1.csv` and `data/q1.csv` are the same file) and go
// through @ferry/graph's one path rule; no Graph URL is built here.

import { mkdir as mkdirLocal, readdir, stat as statLocal } from "node:fs/promises";
import { dirname, join as joinLocal, relative, resolve as resolveLocal, sep } from "node:path";
import { Readable } from "node:stream";
import { ConflictError, FerryError, NotFoundError, normalizePath, type OneDriveClient } from "@ferry/graph";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import pLimit from "p-limit";
import { type CachedFile, ReadCache, type ReadCacheOptions } from "./cache/readCache.ts";
import { baseName, isNotFound, toBytes } from "./common.ts";
import { AbstractFileSystem } from "./fileSystem.ts";
import { LocalFileSystem } from "./localFileSystem.ts";
import { RangeReader, type RangeReaderOptions } from "./rangeReader.ts";
import type {
  ByteSource,
  FileInfo,
  RandomAccessFile,
  RangeOptions,
  TransferOptions,
  WriteData,
} from "./types.ts";

export const ONEDRIVE_PROTOCOL = "onedrive";
const PREFIX = /^onedrive:\/\//i;
/** The driveItem properties `info` needs; asking for them keeps listings small. */
const INFO_SELECT = [
  "id",
  "name",
  "size",
  "file",
  "folder",
  "eTag",
  "lastModifiedDateTime",
  "fileSystemInfo",
  "parentReference",
];

export interface OneDriveFileSystemOptions {
  /** Listings and transfers at once in walk/find/glob/put/get (default 4). */
  concurrency?: number;
  /** Block cache, readahead and merging of `open()` readers. */
  reader?: RangeReaderOptions;
  /**
   * Read whole files through the local read cache: `true` (the default folder), a folder and cap,
   * or a cache; `false` never. Default: the cache `FERRY_CACHE_DIR` names, if set.
   */
  cache?: boolean | ReadCacheOptions | ReadCache;
}

/** Reads of cached copies go through a local filesystem: they are local files. */
const localCopies = new LocalFileSystem();

export class OneDriveFileSystem extends AbstractFileSystem {
  readonly protocol: string = ONEDRIVE_PROTOCOL;
  private readonly readerOptions: RangeReaderOptions;
  /** The local read cache reads go through, if any (see `OneDriveFileSystemOptions.cache`). */
  readonly cache: ReadCache | undefined;

  constructor(
    readonly client: OneDriveClient,
    private readonly options: OneDriveFileSystemOptions = {},
  ) {
    super(options);
    this.readerOptions = options.reader ?? {};
    this.cache = toCache(options.cache);
  }

  /** This filesystem with reads through `cache` (same client, same settings). */
  withCache(cache: boolean | ReadCacheOptions | ReadCache): OneDriveFileSystem {
    const wanted = toCache(cache);
    return wanted === this.cache
      ? this
      : new OneDriveFileSystem(this.client, { ...this.options, cache: wanted ?? false });
  }

  /** A verified local copy from the cache (this filesystem's, else the default folder's). */
  async local(path: string, options: { signal?: AbortSignal } = {}): Promise<CachedFile> {
    return (this.cache ?? ReadCache.shared()).fetch(this.client, this.normalize(path), options);
  }

  /** `onedrive://a/b.csv`, `/a/b.csv` and `a/b.csv` all become `a/b.csv`; `""` is the drive root. */
  normalize(path: string): string {
    return normalizePath(path.replace(PREFIX, "")).join("/");
  }

  join(dir: string, name: string): string {
    return this.normalize(`${dir}/${name}`);
  }

  protected async listInfo(path: string): Promise<FileInfo[]> {
    const dir = this.normalize(path);
    const children = await this.client.list(dir, { select: INFO_SELECT });
    // Graph answers an empty list for a file's children, the same as for an empty folder; only
    // then is the item itself fetched to tell the two apart (fsspec lists a file as itself).
    if (children.length === 0) {
      const self = await this.info(dir);
      return self.type === "file" ? [self] : [];
    }
    return children.map((item) => toInfo(item, this.join(dir, item.name ?? "")));
  }

  async info(path: string): Promise<FileInfo> {
    const p = this.normalize(path);
    return toInfo(await this.client.stat(p, { select: INFO_SELECT }), p);
  }

  /** OneDrive reports a folder's size as the total below it, so the total costs one request. */
  override du(path: string, options?: { total?: true; maxDepth?: number }): Promise<number>;
  override du(path: string, options: { total: false; maxDepth?: number }): Promise<Record<string, number>>;
  override async du(
    path: string,
    options: { total?: boolean; maxDepth?: number } = {},
  ): Promise<number | Record<string, number>> {
    if (options.total !== false && options.maxDepth === undefined) return (await this.info(path)).size;
    return options.total === false
      ? super.du(path, { ...options, total: false })
      : super.du(path, { ...options, total: true });
  }

  async checksum(path: string): Promise<string> {
    const info = await this.info(path);
    if (info.type !== "file")
      throw new FerryError(`${info.name || "/"} is a folder: only files have a checksum`, {
        code: "is_a_folder",
      });
    if (!info.hash) throw new FerryError(`${info.name}: OneDrive reported no QuickXorHash for this file`);
    return info.hash;
  }

  /** The file's bytes, or `[start, end)` of them (negative offsets count from the end). */
  async cat(path: string, range: RangeOptions = {}): Promise<Uint8Array> {
    const p = this.normalize(path);
    if (this.cache) return localCopies.cat((await this.local(p)).path, range);
    if (range.start === undefined && range.end === undefined) return this.client.download(p);
    // The client resolves negative offsets against the size it fetches anyway: one metadata request.
    return this.client.download(p, {
      ...(range.start !== undefined ? { start: range.start } : {}),
      ...(range.end !== undefined ? { end: range.end } : {}),
    });
  }

  /** A random-access reader (block cache, readahead, merged ranges) over the file's download URL. */
  async open(path: string): Promise<RandomAccessFile> {
    if (this.cache) return localCopies.open((await this.local(path)).path);
    const link = await this.client.openLink(this.normalize(path));
    return new RangeReader(
      { size: link.size, fetch: (start, end) => link.fetch(start, end) },
      this.readerOptions,
    );
  }

  /** A Node Readable of the file or a range of it; large ranges arrive over parallel connections. */
  createReadStream(path: string, range: RangeOptions = {}): Readable {
    const client = this.client;
    const p = this.normalize(path);
    if (this.cache) {
      const local = () => this.local(p);
      return Readable.from(
        (async function* () {
          yield* localCopies.createReadStream((await local()).path, range);
        })(),
        { objectMode: false },
      );
    }
    return Readable.from(
      (async function* () {
        const stream = await client.downloadStream(p, {
          ...(range.start !== undefined ? { start: range.start } : {}),
          ...(range.end !== undefined ? { end: range.end } : {}),
        });
        yield* Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>);
      })(),
      { objectMode: false },
    );
  }

  /** Writes bytes or text; above 4 MiB the client uses an upload session. Missing folders are created. */
  async writeFile(path: string, data: WriteData): Promise<FileInfo> {
    const p = this.normalize(path);
    return toInfo(await this.client.upload(p, await toBytes(data)), p);
  }

  /**
   * Writes a stream. With `size` it goes straight into an upload session; without, the client first
   * spools it to a temporary file, because every session fragment must state the total size.
   */
  async pipe(path: string, source: ByteSource, options: { size?: number } = {}): Promise<FileInfo> {
    const p = this.normalize(path);
    // A Node Readable is an AsyncIterable of Buffers, which are Uint8Arrays.
    const item = await this.client.upload(
      p,
      source as AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
      {
        ...(options.size !== undefined ? { size: options.size } : {}),
      },
    );
    return toInfo(item, p);
  }

  /** Uploads a local file, or (`recursive`) a local folder's tree, to `remotePath`. Returns remote paths. */
  async put(localPath: string, remotePath: string, options: TransferOptions = {}): Promise<string[]> {
    const local = resolveLocal(localPath);
    const remote = this.normalize(remotePath);
    const top = await statLocal(local);
    if (!top.isDirectory()) {
      // An existing remote folder receives the file under its own name, as `cp file dir/` does.
      const target = (await this.isDir(remote)) ? this.join(remote, baseName(local)) : remote;
      await this.client.upload(target, local, signalOf(options));
      return [target];
    }
    if (!options.recursive)
      throw new FerryError(`${localPath} is a folder: pass { recursive: true } to upload its contents`, {
        code: "is_a_folder",
      });
    const { dirs, files } = await localTree(local);
    // Folders first (parents before children), so concurrent uploads never race to create one.
    await this.client.mkdir(remote, { parents: true });
    for (const d of dirs) await this.client.mkdir(this.join(remote, toPosix(d)), { parents: true });
    const limit = pLimit(this.concurrency);
    return Promise.all(
      files.map((f) =>
        limit(async () => {
          options.signal?.throwIfAborted();
          const target = this.join(remote, toPosix(f));
          await this.client.upload(target, joinLocal(local, f), signalOf(options));
          return target;
        }),
      ),
    );
  }

  /** Downloads a file, or (`recursive`) a folder's tree, to `localPath`. Returns local paths. */
  async get(remotePath: string, localPath: string, options: TransferOptions = {}): Promise<string[]> {
    const remote = this.normalize(remotePath);
    const local = resolveLocal(localPath);
    const top = await this.info(remote);
    if (top.type === "file") {
      const target = (await isLocalDir(local)) ? joinLocal(local, baseName(remote)) : local;
      await mkdirLocal(dirname(target), { recursive: true });
      await this.client.downloadTo(remote, target, signalOf(options));
      return [target];
    }
    if (!options.recursive)
      throw new FerryError(
        `${remote || "/"} is a folder: pass { recursive: true } to download its contents`,
        { code: "is_a_folder" },
      );
    const found = await this.find(remote, { withDirs: true, detail: true });
    const limit = pLimit(this.concurrency);
    const below = (name: string) => joinLocal(local, ...name.slice(remote.length).split("/").filter(Boolean));
    await mkdirLocal(local, { recursive: true });
    const infos = Object.values(found);
    for (const i of infos) if (i.type === "directory") await mkdirLocal(below(i.name), { recursive: true });
    return Promise.all(
      infos
        .filter((i) => i.type === "file")
        .map((i) =>
          limit(async () => {
            options.signal?.throwIfAborted();
            const target = below(i.name);
            await this.client.downloadTo(i.name, target, signalOf(options));
            return target;
          }),
        ),
    );
  }

  async mkdir(path: string, options: { createParents?: boolean } = {}): Promise<void> {
    const p = this.normalize(path);
    const parent = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "";
    if (parent && (options.createParents ?? true)) await this.client.mkdir(parent, { parents: true });
    try {
      await this.client.mkdir(p, { conflict: "fail" });
    } catch (error) {
      if (error instanceof ConflictError)
        throw new FerryError(`${p} already exists`, { code: "conflict", cause: error });
      if (error instanceof NotFoundError)
        throw new FerryError(`cannot create ${p}: its parent folder ${parent} does not exist`, {
          code: "not_found",
          cause: error,
        });
      throw error;
    }
  }

  async makedirs(path: string, options: { existOk?: boolean } = {}): Promise<void> {
    const p = this.normalize(path);
    if (!options.existOk && (await this.exists(p)))
      throw new FerryError(`${p} already exists`, { code: "conflict" });
    await this.client.mkdir(p, { parents: true });
  }

  /** Deletes files or folders. A folder with contents needs `recursive`, as in fsspec. */
  async rm(path: string | string[], options: { recursive?: boolean } = {}): Promise<void> {
    const paths = (Array.isArray(path) ? path : [path]).map((p) => this.normalize(p));
    const limit = pLimit(this.concurrency);
    await Promise.all(
      paths.map((p) =>
        limit(async () => {
          if (!options.recursive) {
            const info = await this.info(p);
            if (
              info.type === "directory" &&
              (await this.client.list(p, { select: ["id"], top: 1 })).length > 0
            )
              throw new FerryError(`${p} is a folder with contents: pass { recursive: true } to delete it`, {
                code: "is_a_folder",
              });
          }
          await this.client.delete(p);
        }),
      ),
    );
  }

  /** Moves or renames; moving onto an existing folder puts the item inside it. */
  async mv(from: string, to: string): Promise<FileInfo> {
    const source = this.normalize(from);
    const target = await this.intoFolder(to, source);
    return toInfo(await this.client.move(source, target), target);
  }

  /** Copies on the service side (no bytes pass through this machine); folders need `recursive`. */
  async cp(from: string, to: string, options: TransferOptions = {}): Promise<FileInfo> {
    const source = this.normalize(from);
    const info = await this.info(source);
    if (info.type === "directory" && !options.recursive)
      throw new FerryError(`${source} is a folder: pass { recursive: true } to copy it`, {
        code: "is_a_folder",
      });
    const target = await this.intoFolder(to, source);
    return toInfo(await this.client.copy(source, target), target);
  }

  async touch(path: string, options: { truncate?: boolean } = {}): Promise<FileInfo> {
    const p = this.normalize(path);
    if (options.truncate ?? true) return this.writeFile(p, new Uint8Array(0));
    const existing = await this.infoOrUndefined(p);
    if (!existing) return this.writeFile(p, new Uint8Array(0));
    // Only the modification time changes: a PATCH of fileSystemInfo.
    const item = await this.client.update(p, {
      fileSystemInfo: { lastModifiedDateTime: new Date().toISOString() },
    });
    return toInfo(item, p);
  }

  /** `to`, or `to/<name of from>` when `to` is an existing folder. */
  private async intoFolder(to: string, from: string): Promise<string> {
    const target = this.normalize(to);
    return (await this.isDir(target)) ? this.join(target, baseName(from)) : target;
  }
}

function toCache(option: boolean | ReadCacheOptions | ReadCache | undefined): ReadCache | undefined {
  if (option === undefined) return ReadCache.fromEnvironment();
  if (option === false) return undefined;
  if (option === true) return ReadCache.shared();
  return option instanceof ReadCache ? option : new ReadCache(option);
}

/** A driveItem as fsspec-shaped info. */
export function toInfo(item: DriveItem, path: string): FileInfo {
  const modified = item.fileSystemInfo?.lastModifiedDateTime ?? item.lastModifiedDateTime;
  return {
    name: path,
    size: item.size ?? 0,
    type: item.folder || !item.file ? "directory" : "file",
    mtime: modified ? new Date(modified) : undefined,
    hash: item.file?.hashes?.quickXorHash ?? undefined,
    id: item.id ?? undefined,
    eTag: item.eTag ?? undefined,
  };
}

/** Every folder and file below a local folder, as paths relative to it, parents before children. */
async function localTree(root: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of entries) {
    const rel = relative(root, joinLocal(e.parentPath, e.name));
    if (e.isDirectory()) dirs.push(rel);
    else if (e.isFile()) files.push(rel);
  }
  dirs.sort((a, b) => a.split(sep).length - b.split(sep).length || a.localeCompare(b));
  return { dirs, files: files.sort() };
}

async function isLocalDir(path: string): Promise<boolean> {
  try {
    return (await statLocal(path)).isDirectory();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function toPosix(rel: string): string {
  return rel.split(sep).join("/");
}

/** The client's transfer options carrying the caller's AbortSignal, when there is one. */
function signalOf(options: TransferOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
