import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QuickXorHash, quickXorHash } from "../src/index.ts";
import { fallbackQuickXorHash, SIMD_MIN_BYTES, STAGING_BYTES, simdAvailable } from "../src/quickXorHash.ts";

// The definition, bit by bit, with nothing clever: bit b of input byte k is XORed into bit
// (k * 11 + b) mod 160 of the state; then the 64-bit little-endian length is XORed into bits 96..159.
function referenceQuickXorHash(data: Uint8Array): string {
  const bits = new Uint8Array(160);
  for (let k = 0; k < data.length; k++) {
    for (let b = 0; b < 8; b++) {
      if ((data[k]! >> b) & 1) bits[(k * 11 + b) % 160]! ^= 1;
    }
  }
  let length = BigInt(data.length);
  for (let b = 0; b < 64; b++) {
    if (length & 1n) bits[96 + b]! ^= 1;
    length >>= 1n;
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < 160; i++) out[i >> 3]! |= bits[i]! << (i & 7);
  return Buffer.from(out).toString("base64");
}

// Copies `data` into a fresh buffer at the given byte offset, so views can start unaligned.
function atOffset(data: Uint8Array, offset: number): Uint8Array {
  const backing = new Uint8Array(data.length + offset + 3);
  backing.set(data, offset);
  return backing.subarray(offset, offset + data.length);
}

function hashInChunks(data: Uint8Array, cuts: number[], offset: number): string {
  const h = new QuickXorHash();
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, data.length]) {
    h.update(atOffset(data.subarray(from, p), offset + (p % 3)));
    from = p;
  }
  return h.digest();
}

describe("QuickXorHash", () => {
  it("hashes empty input to the published vector", () => {
    expect(quickXorHash(new Uint8Array())).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    expect(new QuickXorHash().digest()).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  });

  it("hashes the single byte 0x4A to the published vector", () => {
    expect(quickXorHash(Uint8Array.of(0x4a))).toBe("SgAAAAAAAAAAAAAAAQAAAAAAAAA=");
  });

  it("agrees with the bit-by-bit reference around the 160-bit wrap and the 1760-byte block", () => {
    for (const size of [2, 14, 15, 19, 20, 21, 159, 160, 161, 1759, 1760, 1761, 3520, 3521, 5000]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 151 + 7) & 0xff);
      expect(quickXorHash(data), `size ${size}`).toBe(referenceQuickXorHash(data));
    }
  });

  it("digest() leaves the state alone so hashing can continue", () => {
    const data = Uint8Array.from({ length: 4000 }, (_, i) => i & 0xff);
    const h = new QuickXorHash().update(data.subarray(0, 1234));
    expect(h.digest()).toBe(quickXorHash(data.subarray(0, 1234)));
    h.update(data.subarray(1234));
    expect(h.digest()).toBe(quickXorHash(data));
  });

  it("agrees with the bit-by-bit reference for random inputs up to 4 KB", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (data) => {
        expect(quickXorHash(data)).toBe(referenceQuickXorHash(data));
      }),
      { numRuns: 300 },
    );
  });

  it("gives the one-shot hash whatever the chunking and buffer alignment", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 8000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 0, max: 7 }),
        (data, cuts, offset) => {
          expect(hashInChunks(data, cuts, offset)).toBe(quickXorHash(data));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("handles unaligned input larger than its scratch buffer", () => {
    const size = 300_000;
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 2654435761) >>> 24);
    const unaligned = atOffset(data, 1);
    expect(unaligned.byteOffset % 4).toBe(1);
    const expected = quickXorHash(data);
    expect(quickXorHash(unaligned)).toBe(expected);
    expect(hashInChunks(data, [3, 1761, 100_001, 299_999], 2)).toBe(expected);
  });

  it("hashes only the bytes of a subarray view, not the rest of its buffer", () => {
    const backing = Uint8Array.from({ length: 64 }, () => 0xff);
    const view = backing.subarray(5, 41);
    view.fill(0x11);
    expect(quickXorHash(view)).toBe(quickXorHash(new Uint8Array(36).fill(0x11)));
  });
});

describe("QuickXorHash.updateAt", () => {
  it("gives the in-order digest whatever order the pieces come in (parallel parts)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 9000 }),
        fc.array(fc.nat({ max: 9000 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (data, cutsRaw, order) => {
          const cuts = [...new Set([0, ...cutsRaw.map((c) => c % (data.length + 1)), data.length])].sort(
            (a, b) => a - b,
          );
          const pieces = cuts.slice(1).map((end, i) => [cuts[i] as number, end] as const);
          // A shuffle driven by `order`, so fast-check can shrink it.
          for (let i = pieces.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(1, order.length)] ?? 0) % (i + 1);
            [pieces[i], pieces[j]] = [
              pieces[j] as (typeof pieces)[number],
              pieces[i] as (typeof pieces)[number],
            ];
          }
          const hash = new QuickXorHash();
          for (const [start, end] of pieces)
            hash.updateAt(start, atOffset(data.subarray(start, end), start % 4));
          expect(hash.digest()).toBe(referenceQuickXorHash(data));
        },
      ),
    );
  });
});

// Deterministic bytes from a seed (xorshift32), so fast-check can make and shrink inputs far larger
// than it would generate byte by byte.
function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 24;
  }
  return out;
}

// Piece lengths that cross the places where the WebAssembly path changes behaviour: the threshold
// below which JavaScript does the work, and the staging area that long inputs pass through in pieces.
const pieceLength = fc.oneof(
  fc.integer({ min: 0, max: 20 }),
  fc.integer({ min: SIMD_MIN_BYTES - 2, max: SIMD_MIN_BYTES + 2 }),
  fc.integer({ min: 0, max: 4 * 1760 }),
  fc.integer({ min: STAGING_BYTES - 2, max: STAGING_BYTES + 2 }),
  fc.integer({ min: 0, max: 2 * STAGING_BYTES + 100 }),
);

describe("QuickXorHash with WebAssembly SIMD", () => {
  it("is the path taken on Node, so the comparisons below test it", () => {
    expect(simdAvailable()).toBe(true);
  });

  it("gives the JavaScript path's digest for pieces of any size, in any order, at any alignment", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.record({ length: pieceLength, order: fc.nat(), shift: fc.nat({ max: 15 }) }), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.nat({ max: 3 * 1760 }),
        (seed, specs, start) => {
          // The pieces tile [start, start + total) of a file; bytes before `start` are zeros, which
          // hash to nothing, and the last piece ends at start + total, so the digest is that of a
          // whole file of that length.
          const total = specs.reduce((sum, p) => sum + p.length, 0);
          const data = seededBytes(seed, total);
          let at = 0;
          const pieces = specs.map((p) => {
            const piece = { offset: start + at, bytes: data.subarray(at, at + p.length), ...p };
            at += p.length;
            return piece;
          });
          pieces.sort((a, b) => a.order - b.order);
          const simd = new QuickXorHash();
          const js = fallbackQuickXorHash();
          for (const p of pieces) {
            // Each piece sits at its own byteOffset in a larger buffer, 16-byte aligned or not.
            const view = atOffset(p.bytes, p.shift);
            simd.updateAt(p.offset, view);
            js.updateAt(p.offset, view);
            expect(simd.digest()).toBe(js.digest());
          }
          const whole = new Uint8Array(start + total);
          whole.set(data, start);
          expect(simd.digest()).toBe(quickXorHash(whole));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("wraps a small piece's last bytes to the block's start when it crosses the block's end", () => {
    // Found by the property above: four bytes at offset 5277 (1757 in the block) lost the one
    // that lands on byte 1760, which is byte 0 again.
    for (const [start, length] of [
      [1757, 4],
      [1758, 3],
      [1759, 2],
      [5277, 4],
      [5279, 2],
      [1757, 6],
    ] as const) {
      const whole = new Uint8Array(start + length);
      for (let i = 0; i < length; i++) whole[start + i] = 0xa0 + i;
      const expected = referenceQuickXorHash(whole);
      for (const hash of [new QuickXorHash(), fallbackQuickXorHash()])
        expect(hash.updateAt(start, whole.subarray(start)).digest(), `${start}+${length}`).toBe(expected);
      const streamed = fallbackQuickXorHash().update(whole.subarray(0, start)).update(whole.subarray(start));
      expect(streamed.digest(), `streamed ${start}+${length}`).toBe(expected);
    }
  });

  it("agrees with the bit-by-bit reference at the threshold and staging boundaries", () => {
    const sizes = [
      SIMD_MIN_BYTES - 1,
      SIMD_MIN_BYTES,
      SIMD_MIN_BYTES + 1,
      STAGING_BYTES - 1,
      STAGING_BYTES,
      STAGING_BYTES + 1,
      2 * STAGING_BYTES + 17,
    ];
    for (const size of sizes) {
      // Starting offsets that put the block position at, just before and just past the block's end.
      for (const offset of [0, 1, 1759, 1760, 1761, 3 * 1760 - 5]) {
        const data = seededBytes(size + offset, size);
        const simd = new QuickXorHash().updateAt(offset, data);
        const js = fallbackQuickXorHash().updateAt(offset, data);
        const whole = new Uint8Array(offset + size);
        whole.set(data, offset);
        expect(simd.digest(), `size ${size} at ${offset}`).toBe(js.digest());
        expect(simd.digest(), `size ${size} at ${offset}`).toBe(referenceQuickXorHash(whole));
      }
    }
  });

  it("keeps each hasher's state apart when many hashers are busy at once", () => {
    const count = 11;
    const files = Array.from({ length: count }, (_, f) => seededBytes(f + 1, 20_000 + f * 999));
    const simd = files.map(() => new QuickXorHash());
    const js = files.map(() => fallbackQuickXorHash());
    // Round-robin chunks of varied sizes, above and below the threshold, so the module's one block
    // area serves hasher after hasher, between JavaScript and WebAssembly updates of the same one.
    const sizes = [4096, SIMD_MIN_BYTES - 1, 7, 16_384, SIMD_MIN_BYTES, 1000];
    const done = files.map(() => 0);
    for (let round = 0; done.some((d, f) => d < files[f]!.length); round++) {
      for (let f = (round * 5) % count, k = 0; k < count; k++, f = (f + 1) % count) {
        const file = files[f]!;
        const chunk = file.subarray(done[f], done[f]! + sizes[(round + f) % sizes.length]!);
        simd[f]!.update(chunk);
        js[f]!.update(chunk);
        done[f]! += chunk.length;
        if ((round + f) % 4 === 0) expect(simd[f]!.digest()).toBe(js[f]!.digest());
      }
    }
    files.forEach((file, f) => {
      expect(simd[f]!.digest(), `file ${f}`).toBe(js[f]!.digest());
      expect(simd[f]!.digest(), `file ${f}`).toBe(quickXorHash(file));
    });
  });
});
