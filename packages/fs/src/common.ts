// Small helpers every backend needs: recognising not-found, names from paths, bytes from write
// data, and fsspec's range rule (negative offsets count from the end).

import { NotFoundError } from "@ferry/graph";
import type { WriteData } from "./types.ts";

/** Not-found from any backend: Graph's 404, or a local ENOENT/ENOTDIR. */
export function isNotFound(error: unknown): boolean {
  if (error instanceof NotFoundError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * The last name of a path, trailing separators ignored. Paths are `/`-separated; on Windows local paths also use
 * `\`, which OneDrive forbids in names, so splitting on it there cannot cut a OneDrive name.
 */
export function baseName(path: string): string {
  return (
    path
      .split(process.platform === "win32" ? /[\\/]/ : "/")
      .filter(Boolean)
      .at(-1) ?? ""
  );
}

/** `data` as bytes. */
export async function toBytes(data: WriteData): Promise<Uint8Array> {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(await data.arrayBuffer());
}

/** `[start, end)` clamped to `size`, negative offsets counted from the end (fsspec, `slice`). */
export function resolveRange(size: number, start = 0, end = size): [number, number] {
  const clamp = (n: number) => Math.min(size, Math.max(0, Math.floor(n < 0 ? size + n : n)));
  const s = clamp(start);
  return [s, Math.max(s, clamp(end))];
}
