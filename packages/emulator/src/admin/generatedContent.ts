import { Readable } from "node:stream";

/**
 * Deterministic file bodies for seeding big files without sending them: byte `i` of every
 * generated file is the same function of `i`, so a test can check any range it downloads with
 * `generatedBytes(start, end)`. The pattern repeats every 65,521 bytes (a prime), so an
 * off-by-one or a misplaced chunk shows up as wrong bytes, which a zero-filled body would hide.
 */
const PERIOD = 65_521;
const CHUNK = 256 * 1024;

let ring: Buffer | undefined;

/** The period followed by enough of its own start that any chunk is one contiguous slice. */
function patternRing(): Buffer {
  if (ring) return ring;
  const period = Buffer.alloc(PERIOD);
  let x = 0x2545f491;
  for (let i = 0; i < PERIOD; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    period[i] = x & 0xff;
  }
  ring = Buffer.alloc(PERIOD + CHUNK);
  for (let at = 0; at < ring.length; at += PERIOD)
    period.copy(ring, at, 0, Math.min(PERIOD, ring.length - at));
  return ring;
}

/** Bytes `start` (inclusive) to `end` (exclusive) of any generated body. */
export function generatedBytes(start: number, end: number): Uint8Array<ArrayBuffer> {
  const r = patternRing();
  const out = Buffer.alloc(Math.max(0, end - start));
  for (let at = 0; at < out.length; ) {
    const from = (start + at) % PERIOD;
    const n = Math.min(out.length - at, CHUNK);
    r.copy(out, at, from, from + n);
    at += n;
  }
  // A plain Uint8Array, not a Buffer: deep equality in tests tells the two types apart.
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.length);
}

/** A generated body of `size` bytes, streamed in 256 KiB slices of one shared buffer. */
export function generatedContent(size: number): Readable {
  const r = patternRing();
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, size - offset);
      const from = offset % PERIOD;
      offset += n;
      this.push(r.subarray(from, from + n));
    },
  });
}
