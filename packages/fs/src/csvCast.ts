// csv-parse's `cast: true`, reproduced so that Ferry's own reader gives the same values: a field is
// a number when `value - parseFloat(value) + 1 >= 0` (csv-parse's test, from jQuery), and then it is
// `parseFloat(value)`; every other field, the empty one included, stays a string. That test has
// corners the fast path below must not change: " 1" is 1 (Number trims), "0x10" is 0 (Number
// reads hex, parseFloat stops at the x), "1e400" and "Infinity" stay strings (∞ − ∞ is NaN).
//
// The fast path reads plain decimals straight from the bytes. It is exact: with at most 15
// significant digits the mantissa is an exact double, and so is 10^k for k ≤ 22, so one IEEE
// multiplication or division rounds once, correctly, as parseFloat does (Clinger's fast path).

/** csv-parse's cast of one field. */
export function castString(value: string): string | number {
  const n = Number.parseFloat(value);
  return Number(value) - n + 1 >= 0 ? n : value;
}

/** What `castBytes` found. */
export enum Cast {
  /** The field is a number: `castValue` holds it. */
  Number = 0,
  /** The field stays a string. */
  String = 1,
  /** Only `castString` on the decoded field can tell (whitespace, non-ASCII, hex, long mantissas). */
  Decode = 2,
}

/** The number found by the last `castBytes` that returned `Cast.Number`. */
export let castValue = 0;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Classifies `bytes[start, end)` as csv-parse's cast would, reading plain decimals on the way. */
export function castBytes(bytes: Uint8Array, start: number, end: number): Cast {
  if (start === end) return Cast.String;
  let i = start;
  let c = bytes[i] as number;
  // Letters start no number: Number() accepts only "Infinity" among words, which the test rejects.
  if ((c | 32) >= 97 && (c | 32) <= 122) return Cast.String;
  const negative = c === 45;
  if (c === 45 || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let sawDigit = false;
  while (i < end) {
    c = bytes[i] as number;
    if (c < 48 || c > 57) break;
    mantissa = mantissa * 10 + (c - 48);
    if (mantissa !== 0) digits++;
    sawDigit = true;
    i++;
  }
  let scale = 0;
  if (i < end && bytes[i] === 46) {
    i++;
    while (i < end) {
      c = bytes[i] as number;
      if (c < 48 || c > 57) break;
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa !== 0) digits++;
      scale++;
      sawDigit = true;
      i++;
    }
  }
  let exponent = 0;
  if (sawDigit && i < end && ((bytes[i] as number) | 32) === 101) {
    let j = i + 1;
    const negativeExponent = bytes[j] === 45;
    if (bytes[j] === 45 || bytes[j] === 43) j++;
    const first = j;
    while (j < end) {
      c = bytes[j] as number;
      if (c < 48 || c > 57) break;
      if (exponent < 100_000) exponent = exponent * 10 + (c - 48);
      j++;
    }
    if (j > first) {
      i = j;
      if (negativeExponent) exponent = -exponent;
    }
  }
  if (sawDigit && i === end) {
    const power = exponent - scale;
    if (digits > 15 || power > 22 || power < -22) return Cast.Decode;
    const magnitude = power < 0 ? mantissa / (POW10[-power] as number) : mantissa * (POW10[power] as number);
    castValue = negative ? -magnitude : magnitude;
    return Cast.Number;
  }
  // Not a plain decimal. Number() could still read it if it has whitespace around it or is a
  // 0x/0o/0b literal; anything else printable ASCII is NaN to Number(), so a string.
  const b0 = bytes[start] as number;
  if (b0 === 48 && end - start > 2) {
    const x = (bytes[start + 1] as number) | 32;
    if (x === 120 || x === 111 || x === 98) return Cast.Decode;
  }
  for (let k = start; k < end; k++) {
    const b = bytes[k] as number;
    if (b <= 32 || b >= 127) return Cast.Decode;
  }
  return Cast.String;
}
