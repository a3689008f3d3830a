/**
 * QuickXorHash written straight from its definition, one bit at a time: byte k is XORed into a
 * 160-bit register at bit (k * 11) mod 160 (wrapping), then the 64-bit little-endian length is
 * XORed into the last 8 of its 20 bytes; the digest is the register in base64. Slow and plainly
 * right: the independent computation the emulator's fast implementation is checked against.
 */
export function definitionQuickXorHash(data: Uint8Array): string {
  const register = new Uint8Array(20);
  for (let k = 0; k < data.length; k++) {
    const byte = data[k] ?? 0;
    if (byte === 0) continue;
    const offset = (k * 11) % 160;
    for (let b = 0; b < 8; b++) {
      if ((byte >> b) & 1) {
        const bit = (offset + b) % 160;
        register[bit >> 3] = (register[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      }
    }
  }
  let length = BigInt(data.length);
  for (let i = 12; i < 20; i++) {
    register[i] = (register[i] ?? 0) ^ Number(length & 0xffn);
    length >>= 8n;
  }
  return Buffer.from(register).toString("base64");
}
