// Sizes as people write them for a cache cap: `10G`, `500MB`, `1.5GiB`, or plain bytes. Binary
// multiples throughout, as rclone's `--vfs-cache-max-size` reads them.

import { FerryError } from "@ferry/graph";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export function parseByteSize(value: number | string, what: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
    if (match) return Math.floor(Number(match[1]) * (UNITS[(match[2] ?? "").toLowerCase()] ?? 1));
  }
  throw new FerryError(`${what} ${JSON.stringify(value)} is not a size: write bytes, or e.g. 500M, 10G`);
}
