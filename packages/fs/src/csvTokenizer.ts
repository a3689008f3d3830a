// An RFC 4180 tokenizer over bytes, written by hand because no maintained parser both streams
// bytes and returns field positions rather than strings: the Arrow reader copies field bytes into
// columns without ever making a JS string, and the row reader makes one string per chunk. The bench
// (`bench/csvParsers.ts`) measured it against csv-parse, papaparse, udsv and d3-dsv before it was kept.
//
// It reproduces csv-parse's reading of a file with Ferry's defaults exactly, and a fast-check test
// (`test/csvDifferential.test.ts`) holds it to that:
// - the record delimiter is the first `\r\n`, `\n` or `\r` met outside quotes, and only that one
//   ends records from then on (csv-parse's auto-discovery; a later lone `\r` is field text);
// - `""` inside quotes is one quote; a quote inside an unquoted field, text after a closing quote,
//   or a quote left open at the end are errors with csv-parse's codes;
// - empty lines are skipped (`skip_empty_lines`), a last line without a delimiter is a record.
// Records whose field count differs are the caller's to reject (csv.ts does, as csv-parse does).

import { FerryError } from "@ferry/graph";

const LF = 10;
const CR = 13;

/** A malformed CSV file (`code` "invalid_csv"): `csvCode` is csv-parse's code for the same fault, so callers can match either. */
export class CsvFormatError extends FerryError {
  override name = "CsvFormatError";
  constructor(
    readonly csvCode: string,
    message: string,
  ) {
    super(message, { code: "invalid_csv" });
  }
}

/** The file's record delimiter, fixed by the first one met outside quotes. */
enum RecordDelimiter {
  Unknown = 0,
  LF = 1,
  CRLF = 2,
  CR = 3,
}

/**
 * Tokenizes a byte stream record by record. Call `scan(bytes, final)` on each buffer: it records the
 * fields of every complete record in `starts`/`ends`/`escaped` and each record's end in
 * `recordEnds`, and returns how many bytes it consumed; the caller passes the rest again, followed
 * by more bytes (`tokenSlices` in csvReader.ts does this).
 */
export class CsvTokenizer {
  /** Field `i` is `bytes[starts[i], ends[i])`; quotes around it are excluded. */
  starts: Int32Array = new Int32Array(4096);
  ends: Int32Array = new Int32Array(4096);
  /** 1 when field `i` was quoted and holds `""` pairs, which stand for one quote each. */
  escaped: Uint8Array = new Uint8Array(4096);
  /** Record `r` is fields `[recordEnds[r - 1] ?? 0, recordEnds[r])`. */
  recordEnds: Int32Array = new Int32Array(1024);
  fields = 0;
  records = 0;
  /** Records tokenized before this buffer, for error messages. */
  private recordsBefore = 0;
  private rd = RecordDelimiter.Unknown;
  /** Length of the record delimiter the last field ended at (set by `fieldEnd`). */
  private rdLength = 0;

  /** 1 for the bytes that end an unquoted field or need a look: delimiter, quote, CR, LF. */
  private readonly special = new Uint8Array(256);

  constructor(
    private readonly delimiter: number,
    private readonly quote: number,
    private readonly skipEmptyLines: boolean,
  ) {
    for (const b of [delimiter, quote, CR, LF]) this.special[b] = 1;
  }

  /**
   * Tokenizes the complete records of `buf` and returns the number of bytes they span. With
   * `final`, `buf` is the rest of the file and is consumed whole (or an error is thrown).
   */
  scan(buf: Uint8Array, final: boolean): number {
    this.recordsBefore += this.records;
    this.fields = 0;
    this.records = 0;
    if (this.failure) throw this.failure;
    try {
      return this.scanRecords(buf, final);
    } catch (error) {
      // Records before the fault come first, as csv-parse emits (and checks) them before it reads
      // on: the caller sees them, and the error on its next call.
      if (this.records === 0) throw error;
      this.failure = error;
      this.fields = this.recordEnds[this.records - 1] as number;
      return this.ends[this.fields - 1] as number;
    }
  }

  private failure: unknown;

  private scanRecords(buf: Uint8Array, final: boolean): number {
    const n = buf.length;
    const { special, quote, delimiter } = this;
    let p = 0;
    while (p < n) {
      const recordStart = p;
      const fieldsBefore = this.fields;
      const c = buf[p] as number;
      if (c === LF || c === CR) {
        const len = this.recordDelimiterAt(buf, p, final);
        if (len < 0) return recordStart;
        if (len > 0 && this.skipEmptyLines) {
          p += len;
          continue;
        }
      }
      for (;;) {
        // `p` starts a field; it may be the end of the file, after a trailing delimiter.
        let next: number;
        if (p < n && buf[p] === quote) next = this.quoted(buf, p, final);
        else {
          // The common case inline: a bare field ended by the delimiter or a known LF.
          let q = p;
          while (q < n && special[buf[q] as number] === 0) q++;
          const c = q < n ? (buf[q] as number) : -1;
          if (c === delimiter || (c === LF && this.rd === RecordDelimiter.LF)) {
            if (this.fields === this.starts.length) this.growFields();
            this.starts[this.fields] = p;
            this.ends[this.fields] = q;
            this.escaped[this.fields++] = 0;
            this.rdLength = 1;
            next = q;
          } else next = this.field(buf, p, final);
        }
        if (next < 0) {
          this.fields = fieldsBefore;
          return recordStart;
        }
        if (next === n) {
          // Only with `final`: the file's last record has no record delimiter.
          this.endRecord();
          return n;
        }
        if (buf[next] === this.delimiter) {
          p = next + 1;
          if (p === n && !final) {
            this.fields = fieldsBefore;
            return recordStart;
          }
          continue;
        }
        p = next + this.rdLength;
        this.endRecord();
        break;
      }
    }
    return n;
  }

  /**
   * The unquoted field starting at `p`: records it and returns where it ends (a delimiter, a record
   * delimiter, or `buf.length` when final), or -1 when the buffer ends before the field does.
   */
  private field(buf: Uint8Array, p: number, final: boolean): number {
    const n = buf.length;
    const d = this.delimiter;
    const quote = this.quote;
    const special = this.special;
    let q = p;
    for (;;) {
      // One table look-up a byte: this loop is where most of a file's bytes are read.
      while (q < n && special[buf[q] as number] === 0) q++;
      if (q === n) {
        if (!final) return -1;
        break;
      }
      const c = buf[q] as number;
      if (c === d) break;
      if (c === quote) {
        throw new CsvFormatError(
          "INVALID_OPENING_QUOTE",
          `CSV record ${this.recordNumber()}: a quote inside an unquoted field (${JSON.stringify(
            new TextDecoder().decode(buf.subarray(p, q + 1)),
          )}); quote the whole field and double the quotes inside it`,
        );
      }
      // A CR or LF: it ends the record if it is the file's record delimiter, else it is text.
      const len = this.recordDelimiterAt(buf, q, final);
      if (len < 0) return -1;
      if (len > 0) {
        this.rdLength = len;
        break;
      }
      q++;
    }
    this.push(p, q, 0);
    return q;
  }

  /** The quoted field whose opening quote is at `p`; as `field`. */
  private quoted(buf: Uint8Array, p: number, final: boolean): number {
    const n = buf.length;
    const quote = this.quote;
    const start = p + 1;
    let q = start;
    let escaped = 0;
    let close: number;
    for (;;) {
      const k = buf.indexOf(quote, q);
      if (k < 0) {
        if (!final) return -1;
        throw this.notClosed();
      }
      if (k + 1 === n) {
        if (!final) return -1;
        close = k;
        break;
      }
      if (buf[k + 1] === quote) {
        escaped = 1;
        q = k + 2;
        continue;
      }
      close = k;
      break;
    }
    const next = close + 1;
    if (next < n && buf[next] !== this.delimiter) {
      const len = this.recordDelimiterAt(buf, next, final);
      if (len < 0) return -1;
      if (len === 0) {
        throw new CsvFormatError(
          "CSV_INVALID_CLOSING_QUOTE",
          `CSV record ${this.recordNumber()}: ${JSON.stringify(String.fromCharCode(buf[next] as number))} ` +
            "follows a closing quote, where a delimiter or the end of the line belongs",
        );
      }
      this.rdLength = len;
    }
    this.push(start, close, escaped);
    return next;
  }

  private notClosed(): CsvFormatError {
    return new CsvFormatError(
      "CSV_QUOTE_NOT_CLOSED",
      `CSV record ${this.recordNumber()}: a quoted field is still open at the end of the file`,
    );
  }

  /**
   * The length of the record delimiter at `i` (0: none there; -1: cannot tell before more bytes
   * come). The first one met outside quotes fixes which delimiter the file uses.
   */
  private recordDelimiterAt(buf: Uint8Array, i: number, final: boolean): number {
    const c = buf[i];
    switch (this.rd) {
      case RecordDelimiter.LF:
        return c === LF ? 1 : 0;
      case RecordDelimiter.CR:
        return c === CR ? 1 : 0;
      case RecordDelimiter.CRLF:
        if (c !== CR) return 0;
        if (i + 1 === buf.length) return final ? 0 : -1;
        return buf[i + 1] === LF ? 2 : 0;
      default:
        if (c === LF) {
          this.rd = RecordDelimiter.LF;
          return 1;
        }
        if (c !== CR) return 0;
        if (i + 1 === buf.length && !final) return -1;
        if (buf[i + 1] === LF) {
          this.rd = RecordDelimiter.CRLF;
          return 2;
        }
        this.rd = RecordDelimiter.CR;
        return 1;
    }
  }

  private push(start: number, end: number, escaped: number): void {
    const i = this.fields;
    if (i === this.starts.length) this.growFields();
    this.starts[i] = start;
    this.ends[i] = end;
    this.escaped[i] = escaped;
    this.fields = i + 1;
  }

  private growFields(): void {
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    const e = new Uint8Array(this.escaped.length * 2);
    e.set(this.escaped);
    this.escaped = e;
  }

  private endRecord(): void {
    if (this.records === this.recordEnds.length) this.recordEnds = grow(this.recordEnds);
    this.recordEnds[this.records++] = this.fields;
  }

  /** 1-based number of the record being read, counting the header. */
  recordNumber(): number {
    return this.recordsBefore + this.records + 1;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
