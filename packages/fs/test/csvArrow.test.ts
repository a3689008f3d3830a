// Arrow from CSV bytes: `readCsv(url, { as: "arrow" })` and `streamCsvBatches` build columns without
// row objects, and must equal the row reader's output turned into a table wherever the row reader's
// values fit one Arrow type per column; where they do not, what changed is what the README says.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Table } from "apache-arrow";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CsvFormatError,
  readCsv,
  rowsToTable,
  streamCsv,
  streamCsvBatches,
  tableToRows,
} from "../src/index.ts";

let dir: string;
let n = 0;
async function csvFile(text: string | Uint8Array): Promise<URL> {
  const path = join(dir, `f${n++}.csv`);
  await writeFile(path, text);
  return pathToFileURL(path);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-csv-arrow-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function shape(table: Table) {
  return { types: table.schema.fields.map((f) => `${f.name}: ${f.type}`), rows: tableToRows(table) };
}

const cell = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom("a", "x y", 'q"uote', "line\nbreak", "é", "0x10", " 7", "1e400", "2026-01-01"),
);

describe("Arrow columns straight from the bytes", () => {
  test("equal the row reader's rows as a table, for every file whose columns each hold one type", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.tuple(
            fc.constant(width),
            fc.array(fc.array(cell, { minLength: width, maxLength: width }), {
              minLength: 1,
              maxLength: 30,
            }),
            fc.boolean(),
          ),
        ),
        async ([width, records, cast]) => {
          const header = Array.from({ length: width }, (_, i) => `c${i}`).join(",");
          const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
          const url = await csvFile(
            `${header}\r\n${records.map((r) => r.map(quote).join(",")).join("\r\n")}\r\n`,
          );
          const table = await readCsv(url, { as: "arrow", cast });
          const rows = await readCsv(url, { cast });
          let expected: Table | undefined;
          try {
            expected = rowsToTable(rows);
          } catch {
            // Numbers and strings in one column: the row path cannot make a table (it throws);
            // the Arrow reader gives that column as Utf8 with the file's text.
          }
          if (expected) expect(shape(table)).toEqual(shape(expected));
          else {
            const asText = await readCsv(url, { as: "arrow", cast: false });
            for (const field of table.schema.fields)
              if (String(field.type) === "Utf8")
                expect(table.getChild(field.name)?.toArray()).toEqual(asText.getChild(field.name)?.toArray());
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("an empty field in a column of numbers is a null (the row path gives '' and cannot make a table)", async () => {
    const url = await csvFile("a,b\n1,x\n,y\n2.5,z\n");
    const table = await readCsv(url, { as: "arrow", cast: true });
    expect(String(table.schema.fields[0]?.type)).toBe("Float64");
    expect(table.getChild("a")?.toArray()).toEqual(new Float64Array([1, 0, 2.5]));
    expect(table.getChild("a")?.get(1)).toBeNull();
  });

  test("streamCsvBatches gives record batches of batchRows rows that add up to the whole table", async () => {
    const lines = ["id,name,value"];
    for (let i = 0; i < 1000; i++) lines.push(`${i},"n ${i}",${i / 4}`);
    const url = await csvFile(`${lines.join("\n")}\n`);
    const sizes: number[] = [];
    const got: unknown[] = [];
    for await (const batch of streamCsvBatches(url, { cast: true, batchRows: 300 })) {
      sizes.push(batch.numRows);
      expect(batch.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
        "id: Float64",
        "name: Utf8",
        "value: Float64",
      ]);
      for (const row of batch) got.push(row.toJSON());
    }
    expect(sizes).toEqual([300, 300, 300, 100]);
    expect(got).toEqual(await readCsv(url, { cast: true }));
  });

  test("a later batch that breaks the first batch's types is an error naming the column", async () => {
    const lines = ["id,value"];
    for (let i = 0; i < 10; i++) lines.push(`${i},${i}`);
    lines.push("10,ten");
    const url = await csvFile(`${lines.join("\n")}\n`);
    const read = async () => {
      for await (const _ of streamCsvBatches(url, { cast: true, batchRows: 5 })) void _;
    };
    await expect(read()).rejects.toMatchObject({
      code: "invalid_csv",
      csvCode: "CSV_TYPE_CHANGED",
      message: expect.stringContaining('"value"'),
    });
    // readCsv types each column from the whole file instead.
    const table = await readCsv(url, { as: "arrow", cast: true });
    expect(String(table.schema.fields[1]?.type)).toBe("Utf8");
  });
});

describe("the row reader", () => {
  test("a ragged record is an error with csv-parse's code", async () => {
    const url = await csvFile("a,b\n1,2\n3\n");
    await expect(readCsv(url)).rejects.toBeInstanceOf(CsvFormatError);
    await expect(readCsv(url)).rejects.toMatchObject({
      code: "invalid_csv",
      csvCode: "CSV_RECORD_INCONSISTENT_COLUMNS",
    });
  });

  test("options take csv-parse's meaning in either spelling, the later one winning", async () => {
    const url = await csvFile("a\n1\n\n2\n");
    const { parse } = await import("csv-parse/sync");
    const text = "a\n1\n\n2\n";
    for (const options of [
      { skipEmptyLines: false },
      { skip_empty_lines: false },
      { columns: ["x"], cast: true },
    ]) {
      const expected = () => parse(text, { columns: true, bom: true, skip_empty_lines: true, ...options });
      let want: unknown;
      try {
        want = expected();
      } catch (error) {
        want = { code: (error as { code?: string }).code };
      }
      const got = await readCsv(url, options).catch((error: { code?: string }) => ({ code: error.code }));
      expect(got, JSON.stringify(options)).toEqual(want);
    }
  });

  test("a UTF-16 file with its byte-order mark reads as csv-parse reads it", async () => {
    const text = "\uFEFFname,n\r\nZoë,1\r\n日本,2\r\n";
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      bytes[2 * i] = text.charCodeAt(i) & 0xff;
      bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
    }
    const url = await csvFile(bytes);
    expect(await readCsv(url, { cast: true })).toEqual([
      { name: "Zoë", n: 1 },
      { name: "日本", n: 2 },
    ]);
  });

  test("options Ferry's reader leaves to csv-parse still work (comments, trim, a cast function, which csv-parse applies to the header too)", async () => {
    const url = await csvFile("# a comment\na,b\n 1 , x\n");
    expect(await readCsv(url, { comment: "#", trim: true, cast: (v) => v.toUpperCase() })).toEqual([
      { A: "1", B: "X" },
    ]);
  });

  test("streamCsv's iterator ends cleanly when the loop breaks, and works with more than one pending next()", async () => {
    const lines = ["i"];
    for (let i = 0; i < 100_000; i++) lines.push(String(i));
    const url = await csvFile(`${lines.join("\n")}\n`);
    let seen = 0;
    for await (const _ of streamCsv(url)) if (++seen === 10) break;
    expect(seen).toBe(10);
    const it = streamCsv<{ i: number }>(url, { cast: true });
    const firstThree = await Promise.all([it.next(), it.next(), it.next()]);
    expect(firstThree.map((r) => r.value)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    await it.return(undefined);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
});
