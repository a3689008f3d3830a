// QuickXorHash is the only content hash OneDrive for Business reports (`file.hashes.quickXorHash`),
// so every transfer is verified with it. No maintained npm package implements it with a streaming,
// web-standard API, hence this file. The layout follows rclone's port of Microsoft's reference:
// byte k is XORed into a 160-bit value at bit offset (k * 11) mod 160.

const WIDTH_BITS = 160;
const SHIFT_BITS = 11;
const DIGEST_BYTES = WIDTH_BITS / 8;
// 11 * 160 bytes: after this many input bytes the bit offset is back at 0, so byte k can be XORed
// into buf[k mod 1760] with no shifting at all, and the shifting happens once, in digest().
const BLOCK_BYTES = SHIFT_BITS * WIDTH_BITS;
const BLOCK_WORDS = BLOCK_BYTES / 4;
// Unaligned input is copied through this much aligned scratch space at a time: large enough that
// the copy (a memcpy) amortises, small enough to stay in L1/L2 next to the block.
const SCRATCH_BYTES = 16 * BLOCK_BYTES;

export class QuickXorHash {
  // XOR works byte by byte, so a Uint32Array view over the same bytes gives the same result whatever
  // the platform's endianness, four bytes per operation.
  readonly #block = new Uint8Array(BLOCK_BYTES);
  readonly #blockWords = new Uint32Array(this.#block.buffer);
  #scratch: Uint32Array | undefined;
  // A number holds exact lengths up to 2^53 bytes (8 PiB), far beyond OneDrive's 250 GB file limit.
  #length = 0;

  update(bytes: Uint8Array): this {
    return this.updateAt(this.#length, bytes);
  }

  /**
   * Adds `bytes` found at `offset` in the file, in any order: XOR is order-free and byte k's place
   * depends only on k, so parts downloaded in parallel are hashed as they land. Every byte of the
   * file must be added exactly once before `digest()`, whose length is the furthest byte seen.
   */
  updateAt(offset: number, bytes: Uint8Array): this {
    const n = bytes.length;
    const block = this.#block;
    let pos = offset % BLOCK_BYTES;
    this.#length = Math.max(this.#length, offset + n);
    let i = 0;

    // BLOCK_BYTES is a multiple of 4, so reaching word alignment never wraps the block.
    while (i < n && (pos & 3) !== 0) {
      block[pos++]! ^= bytes[i++]!;
    }

    const words = (n - i) >>> 2;
    if (words > 0) {
      const start = bytes.byteOffset + i;
      if ((start & 3) === 0) {
        pos = this.#xorWords(new Uint32Array(bytes.buffer, start, words), pos >>> 2) << 2;
      } else {
        pos = this.#xorUnaligned(bytes, i, words, pos >>> 2) << 2;
      }
      i += words << 2;
    }

    // Fewer than four bytes remain; the block position is aligned, so it cannot wrap here either.
    while (i < n) {
      block[pos++]! ^= bytes[i++]!;
    }
    return this;
  }

  /** The base64 digest, as Graph reports it. Does not change the state: hashing may go on. */
  digest(): string {
    const block = this.#block;
    // One spare byte catches the bits of a byte placed at offset 153..159 that spill past bit 159.
    const out = new Uint8Array(DIGEST_BYTES + 1);
    for (let k = 0; k < BLOCK_BYTES; k++) {
      const bit = (k * SHIFT_BITS) % WIDTH_BITS;
      const at = bit >>> 3;
      const shifted = block[k]! << (bit & 7);
      out[at]! ^= shifted & 0xff;
      out[at + 1]! ^= shifted >>> 8;
    }
    // Bits past 160 wrap around to the start of the value.
    out[0]! ^= out[DIGEST_BYTES]!;

    // Microsoft's finishing step: XOR the total length, 64-bit little-endian, into the last 8 bytes.
    let low = this.#length % 2 ** 32;
    let high = Math.floor(this.#length / 2 ** 32);
    for (let b = 0; b < 4; b++) {
      out[DIGEST_BYTES - 8 + b]! ^= low & 0xff;
      out[DIGEST_BYTES - 4 + b]! ^= high & 0xff;
      low >>>= 8;
      high >>>= 8;
    }
    return toBase64(out.subarray(0, DIGEST_BYTES));
  }

  /** XORs whole words into the block starting at word `at`; returns the word position after them. */
  #xorWords(src: Uint32Array, at: number): number {
    const dst = this.#blockWords;
    const total = src.length;
    let s = 0;
    let w = at;
    while (s < total) {
      const run = Math.min(total - s, BLOCK_WORDS - w);
      const end = s + run;
      // Unrolled by four: this loop is the whole cost of hashing a large file.
      while (s + 4 <= end) {
        dst[w]! ^= src[s]!;
        dst[w + 1]! ^= src[s + 1]!;
        dst[w + 2]! ^= src[s + 2]!;
        dst[w + 3]! ^= src[s + 3]!;
        s += 4;
        w += 4;
      }
      while (s < end) {
        dst[w++]! ^= src[s++]!;
      }
      if (w === BLOCK_WORDS) w = 0;
    }
    return w;
  }

  /** A Uint32Array view must start on a 4-byte boundary, so misaligned input is copied first. */
  #xorUnaligned(bytes: Uint8Array, from: number, words: number, at: number): number {
    this.#scratch ??= new Uint32Array(SCRATCH_BYTES / 4);
    const scratch = this.#scratch;
    const scratchBytes = new Uint8Array(scratch.buffer);
    let w = at;
    let i = from;
    let left = words;
    while (left > 0) {
      const take = Math.min(left, scratch.length);
      scratchBytes.set(bytes.subarray(i, i + take * 4));
      w = this.#xorWords(take === scratch.length ? scratch : scratch.subarray(0, take), w);
      i += take * 4;
      left -= take;
    }
    return w;
  }
}

/** QuickXorHash of `bytes` in one call, base64-encoded as in `file.hashes.quickXorHash`. */
export function quickXorHash(bytes: Uint8Array): string {
  return new QuickXorHash().update(bytes).digest();
}

// btoa is web-standard (browsers, Deno, Node 16+), unlike Buffer, and the digest is only 20 bytes.
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
