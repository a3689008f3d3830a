// Bytes to tokens: feeds a byte stream to the tokenizer in slices of at least SLICE bytes, carrying
// each slice's unfinished last record into the next, and drops a UTF-8 byte-order mark as csv-parse
// does. Both the row reader and the Arrow reader consume what it yields.

import { CsvTokenizer } from "./csvTokenizer.ts";

/** The dialect Ferry's own reader handles; other csv-parse options go to csv-parse itself. */
export interface CsvDialect {
  delimiter: number;
  quote: number;
  skipEmptyLines: boolean;
  bom: boolean;
}

/** One tokenized slice: `tokens` describes records within `bytes`; both are reused by the next slice. */
export interface TokenSlice {
  tokens: CsvTokenizer;
  bytes: Uint8Array;
}

/** Enough bytes per slice that per-slice costs vanish; small enough to stay in the CPU's caches. */
const SLICE = 256 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Tokenized slices of `source`. A record never spans two slices: a slice ends at the last complete
 * record, and the rest waits for more bytes (a record bigger than a slice just grows the slice).
 */
export async function* tokenSlices(
  source: AsyncIterable<Uint8Array>,
  dialect: CsvDialect,
): AsyncGenerator<TokenSlice> {
  const tokens = new CsvTokenizer(dialect.delimiter, dialect.quote, dialect.skipEmptyLines);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let first = dialect.bom;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    pending.push(chunk);
    pendingBytes += chunk.length;
    // csv-parse looks for a BOM once it has 3 bytes (or the file ends sooner).
    if (first && pendingBytes < 3) continue;
    if (pendingBytes < SLICE) continue;
    let bytes = concat(pending, pendingBytes);
    if (first) {
      bytes = dropBom(bytes);
      first = false;
    }
    const used = tokens.scan(bytes, false);
    if (tokens.records > 0) yield { tokens, bytes };
    const rest = bytes.subarray(used);
    // Copy the rest out: the next slice is a new buffer and `bytes` may be a large one.
    pending = rest.length ? [rest.slice()] : [];
    pendingBytes = rest.length;
  }
  let bytes = concat(pending, pendingBytes);
  if (first && bytes.length >= 3) bytes = dropBom(bytes);
  // Twice at most: a fault stops a scan after the records before it, and the next scan throws it.
  for (;;) {
    const used = tokens.scan(bytes, true);
    if (tokens.records > 0) yield { tokens, bytes };
    if (used === bytes.length) return;
    bytes = bytes.subarray(used);
  }
}

/** True when `bytes` starts with a UTF-16 little-endian BOM, which csv-parse decodes and Ferry's reader does not. */
export function startsWithUtf16Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xfe;
}

function dropBom(bytes: Uint8Array): Uint8Array {
  // subarray of a plain Uint8Array stays plain.
  return bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2]
    ? bytes.subarray(3)
    : bytes;
}

/**
 * The parts as one plain Uint8Array. Never a Buffer: the tokenizer's loops then see one array
 * shape only, which V8 compiles to the fastest element access.
 */
function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) {
    const only = parts[0] as Uint8Array;
    return new Uint8Array(only.buffer, only.byteOffset, only.byteLength);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
