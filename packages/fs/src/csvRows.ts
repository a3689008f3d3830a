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

  /** The records of `slice` as rows (the header record, if any, is consumed, not returned). */
  rows({ tokens, bytes }: TokenSlice): unknown[] {
    const { starts, ends, escaped, recordEnds } = tokens;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const used = tokens.records > 0 ? (ends[(recordEnds[tokens.records - 1] as number) - 1] as number) : 0;
    const text = isAscii(buffer.subarray(0, used)) ? buffer.toString("latin1", 0, used) : undefined;
    const cast = this.options.cast;
    const field = (f: number): unknown => {
      const s = starts[f] as number;
      const e = ends[f] as number;
      if (cast && escaped[f] === 0) {
        const kind = castBytes(bytes, s, e);
        if (kind === Cast.Number) return castValue;
        const str = text === undefined ? buffer.toString("utf8", s, e) : text.slice(s, e);
        return kind === Cast.Decode ? castString(str) : str;
      }
      let str = text === undefined ? buffer.toString("utf8", s, e) : text.slice(s, e);
      if (escaped[f] === 1) str = str.replaceAll(this.doubledQuote, this.quoteChar);
      // A field with an escaped quote can still be a number to csv-parse only via Number()'s
      // whitespace trimming, which a quote defeats; castString keeps it a string either way.
      return cast ? castString(str) : str;
    };
    const out: unknown[] = [];
    let first = 0;
    for (let r = 0; r < tokens.records; r++) {
      const last = recordEnds[r] as number;
      const count = last - first;
      if (this.options.columns === true && this.names === undefined) {
        // The header: csv-parse casts it too, and names a column by the cast value's string.
        const names: string[] = [];
        for (let f = first; f < last; f++) names.push(String(field(f)));
        this.setNames(names);
        first = last;
        continue;
      }
      if (this.width === -1) this.width = count;
      if (count !== this.width) throw this.ragged(count, tokens.recordNumber() - tokens.records + r);
      const names = this.names;
      if (names === undefined) {
        const row = new Array<unknown>(count);
        for (let j = 0; j < count; j++) row[j] = field(first + j);
        out.push(row);
      } else if (this.defineProperties) {
        const row = {};
        for (let j = 0; j < count; j++)
          Object.defineProperty(row, names[j] as string, {
            value: field(first + j),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        out.push(row);
      } else {
        const row: Record<string, unknown> = {};
        for (let j = 0; j < count; j++) row[names[j] as string] = field(first + j);
        out.push(row);
      }
      first = last;
    }
    return out;
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
