// QuickXorHash is the only content hash OneDrive for Business reports (`file.hashes.quickXorHash`),
// so every transfer is verified with it. No maintained npm package implements it with a streaming,
// web-standard API, hence this file. The layout follows rclone's port of Microsoft's reference:
// byte k is XORed into a 160-bit value at bit offset (k * 11) mod 160.
//
// Hashing sits on the one JavaScript thread that also receives a download, so its bulk XOR runs in
// WebAssembly with 16-byte SIMD lanes where that is available (quickXorHashSimd.ts), and in plain
// JavaScript, 32 bits at a time, where it is not (older browsers, or a page whose Content Security
// Policy forbids compiling WebAssembly).

import {
  BLOCK_AT,
  BLOCK_BYTES,
  QUICK_XOR_HASH_WASM,
  STAGING_AT,
  STAGING_BYTES,
  type XorInto,
} from "./quickXorHashSimd.ts";

const WIDTH_BITS = 160;
const SHIFT_BITS = 11;
const DIGEST_BYTES = WIDTH_BITS / 8;
// BLOCK_BYTES is 11 * 160: after this many input bytes the bit offset is back at 0, so byte k can be
// XORed into block[k mod 1760] with no shifting at all, and the shifting happens once, in digest().
const BLOCK_WORDS = BLOCK_BYTES / 4;
// Unaligned input is copied through this much aligned scratch space at a time: large enough that
// the copy (a memcpy) amortises, small enough to stay in L1/L2 next to the block.
const SCRATCH_BYTES = 16 * BLOCK_BYTES;
/**
 * Updates at least this long go through WebAssembly; shorter ones cost less in JavaScript than the
 * copy into the module's memory and the call. Measured on Node 20 (x64): the two are level at about
 * 80 bytes an update.
 */
export const SIMD_MIN_BYTES = 96;
export { STAGING_BYTES };

interface Simd {
  xor: XorInto;
  /** The staging area, where input is copied for the function to read. */
  staging: Uint8Array;
  /** The block area: a hasher's block is copied in for an update and back out after it. */
  block: Uint8Array;
}

// undefined: not tried yet; null: unavailable, so every hasher uses the JavaScript path.
let kernel: Simd | null | undefined;

function loadSimd(): Simd | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    if (typeof WebAssembly !== "object" || !WebAssembly.validate(QUICK_XOR_HASH_WASM)) return null;
    // Synchronous compilation is allowed for a module this small, even on a browser's main thread.
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(QUICK_XOR_HASH_WASM));
    const { buffer } = exports.memory as WebAssembly.Memory;
    kernel = {
      xor: exports.xor as XorInto,
      staging: new Uint8Array(buffer, STAGING_AT, STAGING_BYTES),
      block: new Uint8Array(buffer, BLOCK_AT, BLOCK_BYTES),
    };
  } catch {
    // A Content Security Policy without 'wasm-unsafe-eval' refuses the compile: hash in JavaScript.
    kernel = null;
  }
  return kernel;
}

/** Whether hashers use the WebAssembly path here; for tests, as Node 20 and current browsers have SIMD. */
export function simdAvailable(): boolean {
  return loadSimd() !== null;
}

// Set only while fallbackQuickXorHash() constructs, so the choice of path is no constructor option.
let constructingFallback = false;

export class QuickXorHash {
  // XOR works byte by byte, so a Uint32Array view over the same bytes gives the same result whatever
  // the platform's endianness, four bytes per operation.
  readonly #block = new Uint8Array(BLOCK_BYTES);
  readonly #blockWords = new Uint32Array(this.#block.buffer);
  readonly #simd = !constructingFallback;
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
    this.#length = Math.max(this.#length, offset + n);
    const pos = offset % BLOCK_BYTES;
    const wasm = n >= SIMD_MIN_BYTES && this.#simd ? loadSimd() : null;
    if (wasm) {
      // One block area serves every hasher: JavaScript runs one update at a time, and copying
      // 1,760 bytes in and out is under 2% of a 256 KiB download chunk's hashing.
      wasm.block.set(this.#block);
      for (let i = 0, p = pos; i < n; i += STAGING_BYTES) {
        const piece = n <= STAGING_BYTES ? bytes : bytes.subarray(i, i + STAGING_BYTES);
        wasm.staging.set(piece);
        p = wasm.xor(BLOCK_AT, p, STAGING_AT, piece.length);
      }
      this.#block.set(wasm.block);
    } else {
      xorJs(this.#block, this.#blockWords, pos, bytes);
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
}

/** QuickXorHash of `bytes` in one call, base64-encoded as in `file.hashes.quickXorHash`. */
export function quickXorHash(bytes: Uint8Array): string {
  return new QuickXorHash().update(bytes).digest();
}

/**
 * A hasher that never uses WebAssembly: the path taken where it is unavailable, for tests and
 * benchmarks to compare against. Not exported from the package.
 */
export function fallbackQuickXorHash(): QuickXorHash {
  constructingFallback = true;
  try {
    return new QuickXorHash();
  } finally {
    constructingFallback = false;
  }
}

/** XORs `bytes` into `block` from position `pos`, 32 bits at a time where alignment allows. */
function xorJs(block: Uint8Array, blockWords: Uint32Array, pos: number, bytes: Uint8Array): void {
  const n = bytes.length;
  let i = 0;

  // BLOCK_BYTES is a multiple of 4, so word alignment comes at the latest at the block's end,
  // which is its start again: a piece from 1757..1759 with under four bytes past the end would
  // otherwise write them past the block, where a typed array drops them (a wrong digest).
  while (i < n && (pos & 3) !== 0) {
    block[pos++]! ^= bytes[i++]!;
  }
  if (pos === BLOCK_BYTES) pos = 0;

  const words = (n - i) >>> 2;
  if (words > 0) {
    const start = bytes.byteOffset + i;
    if ((start & 3) === 0) {
      pos = xorWords(blockWords, new Uint32Array(bytes.buffer, start, words), pos >>> 2) << 2;
    } else {
      pos = xorUnaligned(blockWords, bytes, i, words, pos >>> 2) << 2;
    }
    i += words << 2;
  }

  // Fewer than four bytes remain, at an aligned position below BLOCK_BYTES: they cannot wrap.
  while (i < n) {
    block[pos++]! ^= bytes[i++]!;
  }
}

/** XORs whole words into the block starting at word `at`; returns the word position after them. */
function xorWords(dst: Uint32Array, src: Uint32Array, at: number): number {
  const total = src.length;
  let s = 0;
  let w = at;
  while (s < total) {
    const run = Math.min(total - s, BLOCK_WORDS - w);
    const end = s + run;
    // Unrolled by four: without WebAssembly, this loop is the whole cost of hashing a large file.
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

// Shared by every hasher: JavaScript runs one call at a time, and each call is done with it on return.
let scratch: Uint32Array | undefined;

/** A Uint32Array view must start on a 4-byte boundary, so misaligned input is copied first. */
function xorUnaligned(dst: Uint32Array, bytes: Uint8Array, from: number, words: number, at: number): number {
  scratch ??= new Uint32Array(SCRATCH_BYTES / 4);
  const scratchBytes = new Uint8Array(scratch.buffer);
  let w = at;
  let i = from;
  let left = words;
  while (left > 0) {
    const take = Math.min(left, scratch.length);
    scratchBytes.set(bytes.subarray(i, i + take * 4));
    w = xorWords(dst, take === scratch.length ? scratch : scratch.subarray(0, take), w);
    i += take * 4;
    left -= take;
  }
  return w;
}

// btoa is web-standard (browsers, Deno, Node 16+), unlike Buffer, and the digest is only 20 bytes.
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
