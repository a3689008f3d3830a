// Ferry's CSV tokenizer against csv-parse, by fast-check: random files built from quoted and bare
// fields (quotes, doubled quotes, commas, CR, LF, CRLF inside and between them, a BOM, empty
// fields, ragged records, non-ASCII text), cut into random chunks, must give the same records with
// and without `cast`, as objects and as arrays, or fail with the same csv-parse error code.

import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Cast, castBytes, castString, castValue } from "../src/csvCast.ts";
import { tokenSlices } from "../src/csvReader.ts";
import { CsvRowBuilder } from "../src/csvRows.ts";

const encoder = new TextEncoder();

/** Ferry's rows of `bytes`, fed in the given chunk sizes; or the error's code. */
async function ferryRows(
  bytes: Uint8Array,
  cuts: number[],
  cast: boolean,
  columns: boolean,
): Promise<unknown> {
  async function* chunks() {
    let at = 0;
    for (const cut of cuts) {
      if (at >= bytes.length) break;
      yield bytes.subarray(at, at + cut);
      at += cut;
    }
    if (at < bytes.length) yield bytes.subarray(at);
  }
  const builder = new CsvRowBuilder({ cast, columns, quote: 34 });
  const out: unknown[] = [];
  try {
    for await (const slice of tokenSlices(chunks(), {
      delimiter: 44,
      quote: 34,
      skipEmptyLines: true,
      bom: true,
    }))
      out.push(...builder.rows(slice));
    return { rows: out };
  } catch (error) {
    // Ferry's code is its own (`invalid_csv`); `csvCode` carries csv-parse's code for the same fault.
    return { error: (error as { csvCode?: string }).csvCode ?? String(error) };
  }
}

function csvParseRows(bytes: Uint8Array, cast: boolean, columns: boolean): unknown {
  try {
    return { rows: parse(Buffer.from(bytes), { columns, bom: true, skip_empty_lines: true, cast }) };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

const char = fc.constantFrom("a", "b", "1", "2", "0", ".", "-", "e", " ", '"', ",", "\r", "\n", "é", "x");
const text = fc.string({ unit: char, maxLength: 6 });
/** A field as it appears in the file: quoted (quotes doubled) or bare (possibly malformed). */
const field = fc.oneof(
  { weight: 3, arbitrary: text.map((t) => `"${t.replaceAll('"', '""')}"`) },
  {
    weight: 3,
    arbitrary: fc.string({ unit: fc.constantFrom("a", "1", "2", ".", "-", "e", " ", "é"), maxLength: 6 }),
  },
  { weight: 1, arbitrary: text },
);
const lineEnd = fc.constantFrom("\n", "\r\n", "\r");
const record = fc.array(field, { minLength: 1, maxLength: 4 }).map((fs) => fs.join(","));
const file = fc
  .record({
    bom: fc.boolean(),
    records: fc.array(fc.tuple(record, lineEnd), { minLength: 0, maxLength: 8 }),
    trailing: fc.boolean(),
    // Every record the same width most of the time, so that the rows (not only errors) are compared.
    regular: fc.boolean(),
  })
  .map(({ bom, records, trailing, regular }) => {
    let lines = records;
    if (regular && records.length > 0) {
      const width = records[0]?.[0].split(",").length ?? 1;
      lines = records.map(([r, end]) => [
        Array.from({ length: width }, (_, i) => (i === 0 ? r.split(",")[0] : `${i}`)).join(","),
        end,
      ]);
    }
    let body = lines.map(([r, end], i) => (i === lines.length - 1 && !trailing ? r : r + end)).join("");
    if (bom) body = `\uFEFF${body}`;
    return encoder.encode(body);
  });
const cuts = fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 30 });

describe("Ferry's CSV reader against csv-parse", () => {
  for (const cast of [false, true]) {
    for (const columns of [true, false]) {
      test(`same records or same error (cast ${cast}, columns ${columns})`, async () => {
        await fc.assert(
          fc.asyncProperty(file, cuts, async (bytes, chunkSizes) => {
            const expected = csvParseRows(bytes, cast, columns);
            const actual = await ferryRows(bytes, chunkSizes, cast, columns);
            expect(actual).toEqual(expected);
          }),
          { numRuns: 1500 },
        );
      });
    }
  }

  test("fixed cases: the edges named in the RFC and in csv-parse's auto-discovery", async () => {
    const cases = [
      'a,b\r\n1,"x ""y"""\r\n',
      'a,b\n"multi\nline",2\n\n\n3,4',
      "\uFEFFa\n1\n",
      "a,b\r1,2\r\n3,4\r",
      "a,b\n1,2\r\n3,4",
      'a,b\n1,"2"x\n',
      'a,b\n1,2"\n',
      'a,b\n"1,2\n',
      "a,b\n1\n",
      "a,b\n1,2,3\n",
      "a,b\n,\n",
      'a,b\n"",""\n',
      "a,a\n1,2\n",
      "__proto__,b\n1,2\n",
      "1,2.50\n0x10, 7 \n1e400,-0\n",
    ];
    for (const c of cases) {
      const bytes = encoder.encode(c);
      for (const cast of [false, true])
        for (const columns of [true, false])
          expect(await ferryRows(bytes, [1, 2, 3], cast, columns), JSON.stringify(c)).toEqual(
            csvParseRows(bytes, cast, columns),
          );
    }
  });
});

describe("cast from bytes", () => {
  const numberish = fc.string({
    unit: fc.constantFrom("0", "1", "5", "9", ".", "-", "+", "e", "E", "x", " ", "I", "n"),
    maxLength: 24,
  });
  test("gives csv-parse's value for every short numeric-looking string", () => {
    fc.assert(
      fc.property(fc.oneof(numberish, fc.double().map(String), fc.integer().map(String)), (s) => {
        const bytes = encoder.encode(s);
        const kind = castBytes(bytes, 0, bytes.length);
        const got = kind === Cast.Number ? castValue : kind === Cast.Decode ? castString(s) : s;
        expect(Object.is(got, castString(s)) || got === castString(s)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
});
