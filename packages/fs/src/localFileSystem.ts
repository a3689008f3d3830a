// The same filesystem interface over node:fs, for `file://` URLs and plain local paths, so a job
// written against onedrive:// runs unchanged on local files (and tests can compare the two).

import { createWriteStream, createReadStream as nodeReadStream } from "node:fs";
import {
  cp as cpLocal,
  mkdir as mkdirLocal,
  open as openLocal,
  readdir,
  rename,
  rm as rmLocal,
  stat,
  utimes,
  writeFile as writeLocal,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { FerryError, QuickXorHash } from "@ferry/graph";
import pLimit from "p-limit";
import { resolveRange, toBytes } from "./common.ts";
import { AbstractFileSystem } from "./fileSystem.ts";
import type {
  ByteSource,
  FileInfo,
  RandomAccessFile,
  RangeOptions,
  TransferOptions,
  WriteData,
} from "./types.ts";

export const FILE_PROTOCOL = "file";

export class LocalFileSystem extends AbstractFileSystem {
  readonly protocol: string = FILE_PROTOCOL;

  /** `file:///a/b`, `/a/b` and `b` (relative to the working directory) become absolute paths. */
  normalize(path: string): string {
    if (path.startsWith("file://")) return resolve(fileURLToPath(path));
    return resolve(path === "" ? "." : path);
  }

  join(dir: string, name: string): string {
    return join(this.normalize(dir), name);
  }

  protected async listInfo(path: string): Promise<FileInfo[]> {
    const dir = this.normalize(path);
    const self = await this.info(dir);
    if (self.type === "file") return [self];
    const names = await readdir(dir);
    const limit = pLimit(Math.max(this.concurrency, 16));
    const infos = await Promise.all(names.map((n) => limit(() => this.infoOrUndefined(join(dir, n)))));
    // An entry removed between readdir and stat is simply no longer there.
    return infos.filter((i): i is FileInfo => i !== undefined);
  }

  async info(path: string): Promise<FileInfo> {
    const p = this.normalize(path);
    const s = await stat(p);
    return {
      name: p,
      size: s.isDirectory() ? 0 : s.size,
      type: s.isDirectory() ? "directory" : "file",
      mtime: s.mtime,
    };
  }

  /** QuickXorHash of the file's bytes: the hash OneDrive reports, so a local and a remote copy compare. */
  async checksum(path: string): Promise<string> {
    const p = this.normalize(path);
    if ((await this.info(p)).type !== "file")
      throw new FerryError(`${p} is a folder: only files have a checksum`, { code: "is_a_folder" });
    const hash = new QuickXorHash();
    for await (const chunk of nodeReadStream(p, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
    return hash.digest();
  }

  async cat(path: string, range: RangeOptions = {}): Promise<Uint8Array> {
    const handle = await openLocal(this.normalize(path), "r");
    try {
      const size = (await handle.stat()).size;
      const [start, end] = resolveRange(size, range.start, range.end);
      return await readAt(handle, start, end - start);
    } finally {
      await handle.close();
    }
  }

  async open(path: string): Promise<RandomAccessFile> {
    const handle = await openLocal(this.normalize(path), "r");
    const size = (await handle.stat()).size;
    // Local reads are cheap: no block cache, just positional reads on one descriptor.
    return {
      size,
      byteLength: size,
      read: (position, length) => {
        const start = Math.max(0, Math.min(size, Math.floor(position)));
        return readAt(handle, start, Math.max(0, Math.min(size - start, Math.floor(length))));
      },
      slice: async (start, end) => {
        const [s, e] = resolveRange(size, start, end);
        const bytes = await readAt(handle, s, e - s);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
      close: () => handle.close(),
    };
  }

  createReadStream(path: string, range: RangeOptions = {}): Readable {
    const p = this.normalize(path);
    if ((range.start ?? 0) >= 0 && (range.end ?? 0) >= 0) {
      // Node's `end` is inclusive; ours is exclusive like `slice`.
      return nodeReadStream(p, {
        start: range.start ?? 0,
        ...(range.end !== undefined ? { end: range.end - 1 } : {}),
        highWaterMark: 1024 * 1024,
      });
    }
    // Negative offsets need the size first.
    return Readable.from(
      (async function* () {
        const size = (await stat(p)).size;
        const [start, end] = resolveRange(size, range.start, range.end);
        if (end <= start) return;
        yield* nodeReadStream(p, { start, end: end - 1, highWaterMark: 1024 * 1024 });
      })(),
      { objectMode: false },
    );
  }

  /**
   * Writes via a temporary file renamed into place, so a reader never sees half a file. Missing
   * parent folders are created, as OneDrive does, so the same job runs on both.
   */
  async writeFile(path: string, data: WriteData): Promise<FileInfo> {
    const p = this.normalize(path);
    await mkdirLocal(dirname(p), { recursive: true });
    const partial = `${p}.ferry-partial`;
    try {
      await writeLocal(partial, await toBytes(data));
      await rename(partial, p);
    } catch (error) {
      await rmLocal(partial, { force: true });
      throw error;
    }
    return this.info(p);
  }

  async pipe(path: string, source: ByteSource): Promise<FileInfo> {
    const p = this.normalize(path);
    await mkdirLocal(dirname(p), { recursive: true });
    const partial = `${p}.ferry-partial`;
    const input = source instanceof ReadableStream ? Readable.fromWeb(source as never) : source;
    try {
      await pipeline(input, createWriteStream(partial));
      await rename(partial, p);
    } catch (error) {
      await rmLocal(partial, { force: true });
      throw error;
    }
    return this.info(p);
  }

  /** Locally, put and get are copies. */
  async put(localPath: string, remotePath: string, options: TransferOptions = {}): Promise<string[]> {
    return this.copyTree(localPath, remotePath, options);
  }

  async get(remotePath: string, localPath: string, options: TransferOptions = {}): Promise<string[]> {
    return this.copyTree(remotePath, localPath, options);
  }

  async mkdir(path: string, options: { createParents?: boolean } = {}): Promise<void> {
    const p = this.normalize(path);
    if (options.createParents ?? true) await mkdirLocal(dirname(p), { recursive: true });
    await mkdirLocal(p);
  }

  async makedirs(path: string, options: { existOk?: boolean } = {}): Promise<void> {
    const p = this.normalize(path);
    if (!options.existOk && (await this.exists(p)))
      throw new FerryError(`${p} already exists`, { code: "conflict" });
    await mkdirLocal(p, { recursive: true });
  }

  async rm(path: string | string[], options: { recursive?: boolean } = {}): Promise<void> {
    for (const raw of Array.isArray(path) ? path : [path]) {
      const p = this.normalize(raw);
      const info = await this.info(p);
      if (info.type === "directory" && !options.recursive && (await readdir(p)).length > 0)
        throw new FerryError(`${p} is a folder with contents: pass { recursive: true } to delete it`, {
          code: "is_a_folder",
        });
      await rmLocal(p, { recursive: info.type === "directory" });
    }
  }

  async mv(from: string, to: string): Promise<FileInfo> {
    const source = this.normalize(from);
    const target = await this.intoFolder(to, source);
    await rename(source, target);
    return this.info(target);
  }

  async cp(from: string, to: string, options: TransferOptions = {}): Promise<FileInfo> {
    const source = this.normalize(from);
    if ((await this.info(source)).type === "directory" && !options.recursive)
      throw new FerryError(`${source} is a folder: pass { recursive: true } to copy it`, {
        code: "is_a_folder",
      });
    const target = await this.intoFolder(to, source);
    await cpLocal(source, target, { recursive: true, errorOnExist: false, force: true });
    return this.info(target);
  }

  async touch(path: string, options: { truncate?: boolean } = {}): Promise<FileInfo> {
    const p = this.normalize(path);
    if ((options.truncate ?? true) || !(await this.exists(p))) return this.writeFile(p, new Uint8Array(0));
    const now = new Date();
    await utimes(p, now, now);
    return this.info(p);
  }

  private async copyTree(from: string, to: string, options: TransferOptions): Promise<string[]> {
    // A local copy is one call that cannot be stopped midway; an abort is honoured before it starts.
    options.signal?.throwIfAborted();
    const source = this.normalize(from);
    const info = await this.info(source);
    if (info.type === "directory" && !options.recursive)
      throw new FerryError(`${source} is a folder: pass { recursive: true } to copy its contents`, {
        code: "is_a_folder",
      });
    const target = info.type === "file" ? await this.intoFolder(to, source) : this.normalize(to);
    await mkdirLocal(dirname(target), { recursive: true });
    await cpLocal(source, target, { recursive: true, force: true });
    if (info.type === "file") return [target];
    return (await this.find(target)).sort();
  }

  private async intoFolder(to: string, from: string): Promise<string> {
    const target = this.normalize(to);
    return (await this.isDir(target)) ? join(target, basename(from)) : target;
  }
}

async function readAt(
  handle: Awaited<ReturnType<typeof openLocal>>,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(out, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? out : out.subarray(0, filled);
}
