// Plain JavaScript on purpose (types in quickXorHash.d.ts): the upload-hashing worker thread loads
// this file, and worker threads do not inherit the TypeScript loader. A loader inside the worker
// costs about 35 MB of resident memory; this file costs nothing.

/**
 * QuickXorHash, OneDrive's content hash, computed as the service does so that clients can check
 * what they send and receive. Written here rather than imported from @ferry/graph on purpose: the
 * emulator is the oracle the client's own implementation is tested against, so the two must not
 * share code.
 *
 * Byte k of the input is XORed into a 160-bit register at bit (k * 11) mod 160. After 1,760 bytes
 * (11 × 160) the pattern of positions repeats, so bytes are first XORed into a 1,760-byte table at
 * k mod 1,760 (word-wide, which is what makes it fast) and the table is folded into the register
 * only when the digest is taken.
 */
const TABLE = 1760;
const TABLE_WORDS = TABLE / 4;

export class ServiceQuickXorHash {
  #table = new Uint8Array(TABLE);
  #words = new Uint32Array(this.#table.buffer);
  #scratch = new Uint8Array(64 * 1024);
  #scratchWords = new Uint32Array(this.#scratch.buffer);
  #length = 0;

  /** @param {Uint8Array} input */
  update(input) {
    const table = this.#table;
    const words = this.#words;
    const n = input.length;
    let i = 0;
    let pos = this.#length % TABLE;
    this.#length += n;
    // Byte at a time until the table position is word-aligned.
    while (i < n && (pos & 3) !== 0) {
      table[pos] ^= input[i];
      i++;
      pos = pos + 1 === TABLE ? 0 : pos + 1;
    }
    while (n - i >= 4) {
      let source;
      let count;
      if (((input.byteOffset + i) & 3) === 0) {
        // Aligned (most socket buffers): read the input as words in place.
        count = (n - i) >>> 2;
        source = new Uint32Array(input.buffer, input.byteOffset + i, count);
      } else {
        // Unaligned slices go through a scratch buffer; typed-array word views need alignment.
        const take = Math.min(this.#scratch.length, (n - i) & ~3);
        this.#scratch.set(input.subarray(i, i + take));
        source = this.#scratchWords;
        count = take >>> 2;
      }
      let w = pos >>> 2;
      for (let k = 0; k < count; ) {
        const run = Math.min(count - k, TABLE_WORDS - w);
        for (let j = 0; j < run; j++) words[w + j] ^= source[k + j];
        k += run;
        w += run;
        if (w === TABLE_WORDS) w = 0;
      }
      i += count << 2;
      pos = w << 2;
    }
    while (i < n) {
      table[pos] ^= input[i];
      i++;
      pos = pos + 1 === TABLE ? 0 : pos + 1;
    }
  }

  /** @returns {string} the 20-byte digest in base64, as Graph reports `quickXorHash` */
  digest() {
    const register = new Uint8Array(21);
    for (let k = 0; k < TABLE; k++) {
      const bit = (k * 11) % 160;
      const byte = bit >>> 3;
      const shifted = this.#table[k] << (bit & 7);
      register[byte] ^= shifted & 0xff;
      register[byte + 1] ^= shifted >>> 8;
    }
    // Bit 160 onwards wraps to the start of the register.
    register[0] ^= register[20];
    let length = BigInt(this.#length);
    for (let b = 12; b < 20; b++) {
      register[b] ^= Number(length & 0xffn);
      length >>= 8n;
    }
    return Buffer.from(register.subarray(0, 20)).toString("base64");
  }
}
