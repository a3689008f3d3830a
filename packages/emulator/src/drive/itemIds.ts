import { createHash } from "node:crypto";
import type { DriveType } from "./itemRecord.ts";

/**
 * New item ids in the drive type's form. Personal drives number items `DRIVEID!n`; business
 * drives use 34-character base32 ids that start with `01`. Clients must treat both as opaque.
 */
export class ItemIds {
  /** The number the next id is made from; kept in the state snapshot so ids never repeat. */
  next = 101;

  constructor(
    private readonly driveId: string,
    private readonly driveType: DriveType,
  ) {}

  newId(): string {
    const n = this.next++;
    if (this.driveType === "personal") return `${this.driveId.toUpperCase()}!${n}`;
    const digest = createHash("sha1").update(`${this.driveId}/${n}`).digest();
    return `01${base32(digest).slice(0, 32)}`;
  }
}

/** RFC 4648 base32, unpadded. */
function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
