// Tokens to rows: csv-parse's records (objects keyed by the header, or arrays with
// `columns: false`), with its `cast: true` applied, from one tokenized slice at a time.
//
// Strings are cut from one decoded string per slice when the slice is ASCII (byte offsets are then
// character offsets, and V8 slices share the parent string), or decoded field by field otherwise.

import { Buffer, isAscii } from "node:buffer";
import { Cast, castBytes, castString, castValue } from "./csvCast.ts";
import type { TokenSlice } from "./csvReader.ts";
import { CsvFormatError } from "./csvTokenizer.ts";

export interface CsvRowOptions {
  cast: boolean;
  /** `true`: the first record names the columns; `false`: records are arrays; names: given. */
  columns: boolean | string[];
  quote: number;
}

export class CsvRowBuilder {
  private names: string[] | undefined;
  /** Field count every record must have (csv-parse's check), once known. */
  private width = -1;
  /** Set when a column is named `__proto__`: assignment would set the prototype instead. */
  private defineProperties = false;
  private readonly doubledQuote: string;
  private readonly quoteChar: string;

  constructor(private readonly options: CsvRowOptions) {
    this.quoteChar = String.fromCharCode(options.quote);
    this.doubledQuote = this.quoteChar + this.quoteChar;
    if (Array.isArray(options.columns)) this.setNames(options.columns);
  }

  private tokens: TokenSlice["tokens"] | undefined;
  private bytes: Uint8Array = new Uint8Array(0);
  private buffer: Buffer = Buffer.alloc(0);
  /** The slice decoded once, when it is ASCII (byte offsets are then character offsets). */
  private text: string | undefined;

  /**
   * Starts on `slice`; `row(r)` then gives its record `r` (for `r` below `tokens.records`).
   * Rows are made one at a time, so a consumer that drops each row leaves only young garbage.
   */
  begin(slice: TokenSlice): void {
    const { tokens, bytes } = slice;
    this.tokens = tokens;
    this.bytes = bytes;
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { ends, recordEnds } = tokens;
    const used = tokens.records > 0 ? (ends[(recordEnds[tokens.records - 1] as number) - 1] as number) : 0;
    this.text = isAscii(this.buffer.subarray(0, used)) ? this.buffer.toString("latin1", 0, used) : undefined;
  }

  /** Record `r` of the current slice as a row; undefined for the header, which names the columns. */
  row(r: number): unknown {
    const tokens = this.tokens as TokenSlice["tokens"];
    const recordEnds = tokens.recordEnds;
    const first = r === 0 ? 0 : (recordEnds[r - 1] as number);
    const count = (recordEnds[r] as number) - first;
    if (this.options.columns === true && this.names === undefined) {
      // The header: csv-parse casts it too, and names a column by the cast value's string.
      const names: string[] = [];
      for (let j = 0; j < count; j++) names.push(String(this.field(first + j)));
      this.setNames(names);
      return undefined;
    }
    if (this.width === -1) this.width = count;
    if (count !== this.width) throw this.ragged(count, tokens.recordNumber() - tokens.records + r);
    const names = this.names;
    if (names === undefined) {
      const row = new Array<unknown>(count);
      for (let j = 0; j < count; j++) row[j] = this.field(first + j);
      return row;
    }
    if (this.defineProperties) {
      const row = {};
      for (let j = 0; j < count; j++)
        Object.defineProperty(row, names[j] as string, {
          value: this.field(first + j),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return row;
    }
    const row: Record<string, unknown> = {};
    for (let j = 0; j < count; j++) row[names[j] as string] = this.field(first + j);
    return row;
  }

  /** The records of `slice` as rows (the header record, if any, is consumed, not returned). */
  rows(slice: TokenSlice): unknown[] {
    this.begin(slice);
    const out: unknown[] = [];
    for (let r = 0; r < slice.tokens.records; r++) {
      const row = this.row(r);
      if (row !== undefined) out.push(row);
    }
    return out;
  }

  private field(f: number): unknown {
    const tokens = this.tokens as TokenSlice["tokens"];
    const s = tokens.starts[f] as number;
    const e = tokens.ends[f] as number;
    const escaped = tokens.escaped[f] === 1;
    const cast = this.options.cast;
    if (cast && !escaped) {
      const kind = castBytes(this.bytes, s, e);
      if (kind === Cast.Number) return castValue;
      const str = this.text === undefined ? this.buffer.toString("utf8", s, e) : this.text.slice(s, e);
      return kind === Cast.Decode ? castString(str) : str;
    }
    let str = this.text === undefined ? this.buffer.toString("utf8", s, e) : this.text.slice(s, e);
    if (escaped) str = str.replaceAll(this.doubledQuote, this.quoteChar);
    // A field with a quote in it is never a number to csv-parse; castString keeps it a string.
    return cast ? castString(str) : str;
  }

  private setNames(names: string[]): void {
    this.names = names;
    this.width = names.length;
    this.defineProperties = names.includes("__proto__");
  }

  private ragged(count: number, record: number): CsvFormatError {
    return this.names === undefined
      ? new CsvFormatError(
          "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH",
          `CSV record ${record} has ${count} fields where the first had ${this.width}; ` +
            "every record needs the same number of fields",
        )
      : new CsvFormatError(
          "CSV_RECORD_INCONSISTENT_COLUMNS",
          `CSV record ${record} has ${count} fields for ${this.width} columns; ` +
            "every record needs one field per column of the header",
        );
  }
}
