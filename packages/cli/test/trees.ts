// Local file trees for transfer tests: QuickXorHashes of every file, and generated trees of given sizes.

import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { QuickXorHash } from "@ferry/graph";

export async function hashFile(path: string): Promise<string> {
  const hash = new QuickXorHash();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest();
}

/** rel path (with `/`) → QuickXorHash of every file below `root`. */
export async function hashTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.set(relative(root, full).split(sep).join("/"), await hashFile(full));
  }
  return out;
}

/** Writes `size` pseudo-random bytes (xorshift from `seed`) to `path`, 1 MiB at a time. */
export async function writeRandomFile(path: string, size: number, seed: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let x = seed >>> 0 || 1;
  async function* chunks() {
    for (let done = 0; done < size; ) {
      const n = Math.min(1 << 20, size - done);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i + 4 <= n; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        chunk.writeUInt32LE(x >>> 0, i);
      }
      for (let i = n - (n % 4); i < n; i++) chunk[i] = i & 0xff;
      done += n;
      yield chunk;
    }
  }
  await pipeline(chunks, createWriteStream(path));
}
