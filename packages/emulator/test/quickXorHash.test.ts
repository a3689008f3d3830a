import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ServiceQuickXorHash } from "../src/storage/quickXorHash.js";
import { definitionQuickXorHash } from "./quickXorHashDefinition.ts";

function serviceHash(chunks: Uint8Array[]): string {
  const h = new ServiceQuickXorHash();
  for (const c of chunks) h.update(c);
  return h.digest();
}

describe("QuickXorHash (OneDrive's file hash)", () => {
  it("hashes empty content to AAAAAAAAAAAAAAAAAAAAAAAAAAA= (published test vector)", () => {
    expect(serviceHash([])).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  });

  it("hashes the single byte 0x4A to SgAAAAAAAAAAAAAAAQAAAAAAAAA= (published test vector)", () => {
    expect(serviceHash([Uint8Array.of(0x4a)])).toBe("SgAAAAAAAAAAAAAAAQAAAAAAAAA=");
  });

  it("is a base64 digest of 20 bytes, as Graph reports quickXorHash", () => {
    expect(Buffer.from(serviceHash([Buffer.from("hello")]), "base64")).toHaveLength(20);
  });

  it("matches the bit-by-bit definition past the 1,760-byte period, however the input is split", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 5000 }),
        fc.array(fc.nat(5000), { maxLength: 6 }),
        (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, data.length]) {
            chunks.push(data.subarray(from, p));
            from = p;
          }
          expect(serviceHash(chunks)).toBe(definitionQuickXorHash(data));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("matches the definition for chunks at odd byte offsets of larger buffers (socket slices)", () => {
    const big = new Uint8Array(300_001);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const chunks = [big.subarray(1, 65_538), big.subarray(65_538, 200_003), big.subarray(200_003)];
    expect(serviceHash(chunks)).toBe(definitionQuickXorHash(big.subarray(1)));
  });
});
