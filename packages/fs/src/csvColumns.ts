// Tokens to Arrow columns, with no row objects and no strings in between: a text column is the
// field bytes copied into one UTF-8 buffer with offsets, which is Arrow's own layout; a number column
// is read from the bytes into a Float64Array. With `cast`, a column is Float64 when every non-empty
// field in it is a number to csv-parse's cast (its empty fields become nulls), and Utf8 otherwise;
// without `cast` every column is Utf8, as the row reader gives strings.
//
// While a column's type is open, a chunk keeps both forms and the caller settles it: `readCsv` after
// the whole file (as the row path inferred from every row), the batch reader after its first batch.

import { type Data, Field, Float64, makeData, RecordBatch, Schema, Struct, Utf8 } from "apache-arrow";
import { Cast, castBytes, castString, castValue } from "./csvCast.ts";
import type { TokenSlice } from "./csvReader.ts";
import { CsvFormatError } from "./csvTokenizer.ts";

export type CsvColumnType = "number" | "string";

/** One column's values for one chunk of rows, in every form still possible for it. */
class ColumnChunk {
  length = 0;
  /** UTF-8 bytes and offsets, while the column may be Utf8. */
  text: Uint8Array | undefined;
  offsets: Int32Array | undefined;
  /** Values and validity (1 bit a row), while the column may be Float64. */
  numbers: Float64Array | undefined;
  valid: Uint8Array | undefined;
  nullCount = 0;
  /** Every non-empty field so far is a number; at least one field was a number. */
  numeric = true;
  sawNumber = false;

  constructor(type: CsvColumnType | undefined, cast: boolean, rows: number) {
    const number = cast && type !== "string";
    if (type !== "number") {
      this.text = new Uint8Array(rows * 8);
      this.offsets = new Int32Array(rows + 1);
    }
    if (number) {
      this.numbers = new Float64Array(rows);
      this.valid = new Uint8Array((rows >> 3) + 1);
    } else {
      this.numeric = false;
    }
  }
}

/** Builds Arrow record batches from tokenized slices. */
export class CsvColumnBuilder {
  names: string[] | undefined;
  /** Settled types by column (undefined: still open). */
  types: (CsvColumnType | undefined)[] = [];
  private chunk: ColumnChunk[] = [];
  private chunkRows = 0;
  /** Rows per chunk. */
  private readonly capacity: number;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly cast: boolean,
    private readonly quote: number,
    batchRows: number,
  ) {
    this.capacity = batchRows;
  }

  /** Adds the records of `slice`; returns the chunks that filled up (each `batchRows` rows). */
  add({ tokens, bytes }: TokenSlice): ColumnChunk[][] {
    const { starts, ends, escaped, recordEnds } = tokens;
    const full: ColumnChunk[][] = [];
    let first = 0;
    for (let r = 0; r < tokens.records; r++) {
      const last = recordEnds[r] as number;
      if (this.names === undefined) {
        const names: string[] = [];
        for (let f = first; f < last; f++) {
          const text = this.fieldText(bytes, starts[f] as number, ends[f] as number, escaped[f] === 1);
          names.push(this.cast ? String(castString(text)) : text);
        }
        this.names = names;
        if (this.types.length === 0) this.types = names.map(() => undefined);
        first = last;
        continue;
      }
      const width = this.names.length;
      if (last - first !== width) {
        throw new CsvFormatError(
          "CSV_RECORD_INCONSISTENT_COLUMNS",
          `CSV record ${tokens.recordNumber() - tokens.records + r} has ${last - first} fields for ${width} columns; ` +
            "every record needs one field per column of the header",
        );
      }
      if (this.chunkRows === 0)
        this.chunk = this.names.map((_, j) => new ColumnChunk(this.types[j], this.cast, this.capacity));
      const row = this.chunkRows;
      for (let j = 0; j < width; j++) {
        const f = first + j;
        this.append(
          this.chunk[j] as ColumnChunk,
          j,
          bytes,
          starts[f] as number,
          ends[f] as number,
          escaped[f] === 1,
          row,
          tokens.recordNumber() - tokens.records + r,
        );
      }
      this.chunkRows = row + 1;
      if (this.chunkRows === this.capacity) {
        full.push(this.finishChunk());
      }
      first = last;
    }
    return full;
  }

  /** The last, partial chunk (undefined if empty). */
  flush(): ColumnChunk[] | undefined {
    return this.chunkRows > 0 ? this.finishChunk() : undefined;
  }

  private finishChunk(): ColumnChunk[] {
    const chunk = this.chunk;
    for (const c of chunk) c.length = this.chunkRows;
    this.chunkRows = 0;
    this.chunk = [];
    return chunk;
  }

  private append(
    c: ColumnChunk,
    column: number,
    bytes: Uint8Array,
    s: number,
    e: number,
    escaped: boolean,
    row: number,
    record: number,
  ): void {
    if (c.offsets !== undefined) {
      let text = c.text as Uint8Array;
      const at = c.offsets[row] as number;
      if (at + (e - s) > text.length) {
        const bigger = new Uint8Array(Math.max(text.length * 2, at + (e - s)));
        bigger.set(text.subarray(0, at));
        c.text = text = bigger;
      }
      let end = at + (e - s);
      if (escaped) {
        // Copy byte by byte, keeping one quote of each doubled pair.
        end = at;
        for (let k = s; k < e; k++) {
          const b = bytes[k] as number;
          text[end++] = b;
          if (b === this.quote) k++;
        }
      } else if (e - s < 64) {
        // A loop, not `set(subarray)`: a subarray is an object, and a file has millions of fields.
        for (let k = s, o = at; k < e; k++, o++) text[o] = bytes[k] as number;
      } else {
        text.set(bytes.subarray(s, e), at);
      }
      c.offsets[row + 1] = end;
    }
    if (c.numeric) {
      const numbers = c.numbers as Float64Array;
      const valid = c.valid as Uint8Array;
      let kind = escaped ? Cast.Decode : castBytes(bytes, s, e);
      let value = castValue;
      if (kind === Cast.Decode) {
        const v = castString(this.fieldText(bytes, s, e, escaped));
        if (typeof v === "number") {
          kind = Cast.Number;
          value = v;
        } else kind = Cast.String;
      }
      if (kind === Cast.Number) {
        numbers[row] = value;
        valid[row >> 3] = (valid[row >> 3] as number) | (1 << (row & 7));
        c.sawNumber = true;
      } else if (s === e) {
        c.nullCount++;
      } else if (this.types[column] === "number") {
        throw new CsvFormatError(
          "CSV_TYPE_CHANGED",
          `CSV record ${record}: column ${JSON.stringify(this.names?.[column])} held only numbers in the first ` +
            `batch, but here holds ${JSON.stringify(this.fieldText(bytes, s, e, escaped).slice(0, 40))}; ` +
            "read it with readCsv (which types columns from the whole file) or without cast",
        );
      } else {
        c.numeric = false;
        c.numbers = undefined;
        c.valid = undefined;
      }
    }
  }

  private fieldText(bytes: Uint8Array, s: number, e: number, escaped: boolean): string {
    const text = this.decoder.decode(bytes.subarray(s, e));
    if (!escaped) return text;
    const q = String.fromCharCode(this.quote);
    return text.replaceAll(q + q, q);
  }
}

/** The type each column takes given these chunks: Float64 only if every chunk allows it. */
export function settleTypes(
  chunks: ColumnChunk[][],
  width: number,
  types: (CsvColumnType | undefined)[],
): CsvColumnType[] {
  return Array.from({ length: width }, (_, j) => {
    const fixed = types[j];
    if (fixed) return fixed;
    let sawNumber = false;
    for (const chunk of chunks) {
      const c = chunk[j] as ColumnChunk;
      if (!c.numeric) return "string";
      sawNumber ||= c.sawNumber;
    }
    return sawNumber ? "number" : "string";
  });
}

/** The Arrow schema of columns `names` with `types`. */
export function csvSchema(names: string[], types: CsvColumnType[]): Schema {
  return new Schema(
    names.map((name, j) => new Field(name, types[j] === "number" ? new Float64() : new Utf8(), true)),
  );
}

/** A record batch of one chunk, each column in its settled type. */
export function chunkToBatch(schema: Schema, chunk: ColumnChunk[], types: CsvColumnType[]): RecordBatch {
  const length = chunk[0]?.length ?? 0;
  const children: Data[] = chunk.map((c, j) => {
    if (types[j] === "number") {
      return makeData({
        type: new Float64(),
        length,
        nullCount: c.nullCount,
        nullBitmap: c.nullCount > 0 ? (c.valid as Uint8Array).subarray(0, (length + 7) >> 3) : null,
        data: (c.numbers as Float64Array).subarray(0, length),
      });
    }
    const offsets = (c.offsets as Int32Array).subarray(0, length + 1);
    return makeData({
      type: new Utf8(),
      length,
      nullCount: 0,
      valueOffsets: offsets,
      data: (c.text as Uint8Array).subarray(0, offsets[length] as number),
    });
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }),
  );
}

export type { ColumnChunk };
