import { createHash, type Hash } from "node:crypto";
import type { DriveType, Hashes } from "../drive/itemRecord.ts";
import { ServiceQuickXorHash } from "./quickXorHash.js";

export type HashAlgorithm = "quickXorHash" | "sha1" | "sha256";

/** Business drives report only quickXorHash; personal drives also report sha1Hash and sha256Hash. */
export function hashAlgorithmsFor(driveType: DriveType): HashAlgorithm[] {
  return driveType === "personal" ? ["quickXorHash", "sha1", "sha256"] : ["quickXorHash"];
}

/**
 * Graph's `hashes` facet from digests (quickXorHash in base64, SHA digests in hex): the SHA
 * digests are uppercase hex, as Graph writes them.
 */
export function hashesOf(digests: Partial<Record<HashAlgorithm, string>>): Hashes {
  const hashes: Hashes = { quickXorHash: digests.quickXorHash ?? "" };
  if (digests.sha1) hashes.sha1Hash = digests.sha1.toUpperCase();
  if (digests.sha256) hashes.sha256Hash = digests.sha256.toUpperCase();
  return hashes;
}

/** Hashes bytes as they stream in, on the calling thread (simple uploads, seeding). */
export class ContentHasher {
  private readonly qxh = new ServiceQuickXorHash();
  private readonly sha1: Hash | undefined;
  private readonly sha256: Hash | undefined;
  size = 0;

  constructor(driveType: DriveType) {
    const algorithms = hashAlgorithmsFor(driveType);
    if (algorithms.includes("sha1")) this.sha1 = createHash("sha1");
    if (algorithms.includes("sha256")) this.sha256 = createHash("sha256");
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    this.qxh.update(chunk);
    this.sha1?.update(chunk);
    this.sha256?.update(chunk);
  }

  digest(): Hashes {
    return hashesOf({
      quickXorHash: this.qxh.digest(),
      sha1: this.sha1?.digest("hex"),
      sha256: this.sha256?.digest("hex"),
    });
  }
}
