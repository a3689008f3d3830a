// CSV reading and writing: a 100,000-row file with a UTF-8 BOM and quoted newlines on OneDrive,
// csv-parse's header, column and casting options, Arrow output, and streamed writes.

import { readFile as readLocal } from "node:fs/promises";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readCsv, streamCsv, writeCsv } from "../src/index.ts";
import { type Harness, harness } from "./support.ts";

let h: Harness;
const ROWS = 100_000;

/** Row i of the big file: every 7th note holds a quoted newline, every 11th a quote and a comma. */
function note(i: number): string {
  if (i % 7 === 0) return `line one of ${i}\nline two, with a comma`;
  if (i % 11 === 0) return `she said "hi", twice`;
  return `plain ${i}`;
}

beforeAll(async () => {
  h = await harness();
  const lines = ["id,name,note,value"];
  for (let i = 0; i < ROWS; i++) {
    lines.push(`${i},name-${i},"${note(i).replaceAll('"', '""')}",${(i * 0.25).toFixed(2)}`);
  }
  // Excel's "CSV UTF-8" starts with a byte-order mark and ends lines with CRLF.
  await h.fs.writeFile("big/rows.csv", `\uFEFF${lines.join("\r\n")}\r\n`);
});

afterAll(async () => {
  await h?.close();
});

describe("the 100,000-row file", () => {
  test("every row comes back, with the BOM gone from the first header and newlines kept inside quotes", async () => {
    const rows = await readCsv<{ id: string; name: string; note: string; value: string }>(
      "onedrive://big/rows.csv",
    );
    expect(rows).toHaveLength(ROWS);
    expect(Object.keys(rows[0] ?? {})).toEqual(["id", "name", "note", "value"]);
    expect(rows[0]).toEqual({ id: "0", name: "name-0", note: note(0), value: "0.00" });
    expect(rows[7]?.note).toBe("line one of 7\nline two, with a comma");
    expect(rows[11]?.note).toBe('she said "hi", twice');
    expect(rows[ROWS - 1]).toEqual({
      id: String(ROWS - 1),
      name: `name-${ROWS - 1}`,
      note: note(ROWS - 1),
      value: ((ROWS - 1) * 0.25).toFixed(2),
    });
  });

  test("cast turns numbers into numbers", async () => {
    const rows = await readCsv<{ id: number; value: number; note: string }>("onedrive://big/rows.csv", {
      cast: true,
    });
    expect(rows[12345]).toMatchObject({ id: 12345, value: 12345 * 0.25 });
    expect(typeof rows[14]?.note).toBe("string");
  });

  test("streamCsv hands rows over one at a time, and stopping early is allowed", async () => {
    let seen = 0;
    for await (const row of streamCsv<{ id: string }>("onedrive://big/rows.csv")) {
      expect(row.id).toBe(String(seen));
      if (++seen === 1000) break;
    }
    expect(seen).toBe(1000);
  });

  test("as arrow gives a Table with the header's columns", async () => {
    const table = await readCsv("onedrive://big/rows.csv", { as: "arrow", cast: true });
    expect(table.numRows).toBe(ROWS);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["id", "name", "note", "value"]);
    expect(table.getChild("id")?.get(99_999)).toBe(99_999);
  });
});

describe("options", () => {
  beforeAll(async () => {
    await h.fs.writeFile(
      "small/semi.csv",
      "# exported today\ncity;pop;capital\nLyon;522250;no\nParis;2133111;yes\n",
    );
  });

  test("delimiter, comments, explicit column names and a casting function", async () => {
    const rows = await readCsv("onedrive://small/semi.csv", {
      delimiter: ";",
      comment: "#",
      columns: ["name", "population", "isCapital"],
      from_line: 3,
      cast: (value, context) => {
        if (context.column === "population") return Number(value);
        if (context.column === "isCapital") return value === "yes";
        return value;
      },
    });
    expect(rows).toEqual([
      { name: "Lyon", population: 522250, isCapital: false },
      { name: "Paris", population: 2133111, isCapital: true },
    ]);
  });

  test("columns: false gives arrays; a header function renames", async () => {
    const arrays = await readCsv<string[]>("onedrive://small/semi.csv", {
      delimiter: ";",
      comment: "#",
      columns: false,
    });
    expect(arrays[0]).toEqual(["city", "pop", "capital"]);
    const renamed = await readCsv("onedrive://small/semi.csv", {
      delimiter: ";",
      comment: "#",
      columns: (header: string[]) => header.map((c) => c.toUpperCase()),
    });
    expect(renamed[1]).toEqual({ CITY: "Paris", POP: "2133111", CAPITAL: "yes" });
  });
});

describe("writing", () => {
  test("writeCsv writes a header, quotes what needs quoting, dates as ISO and booleans as words", async () => {
    await writeCsv("onedrive://out/w.csv", [
      { a: 1, b: 'x, "y"\nz', when: new Date(Date.UTC(2026, 0, 2)), ok: true },
      { a: 2, b: "plain", when: new Date(Date.UTC(2026, 0, 3)), ok: false },
    ]);
    expect(new TextDecoder().decode(await h.fs.cat("out/w.csv"))).toBe(
      'a,b,when,ok\n1,"x, ""y""\nz",2026-01-02T00:00:00.000Z,true\n2,plain,2026-01-03T00:00:00.000Z,false\n',
    );
  });

  test("writeCsv takes an Arrow Table", async () => {
    await writeCsv("onedrive://out/t.csv", tableFromArrays({ x: Int32Array.from([1, 2]), y: ["p", "q"] }));
    expect(await readCsv("onedrive://out/t.csv", { cast: true })).toEqual([
      { x: 1, y: "p" },
      { x: 2, y: "q" },
    ]);
  });

  test("writeCsv streams an async iterable of rows, to OneDrive and to a local file", async () => {
    async function* rows() {
      for (let i = 0; i < 5000; i++) yield { i, square: i * i };
    }
    const local = join(h.tmp, "streamed.csv");
    for (const url of ["onedrive://out/streamed.csv", local]) {
      await writeCsv(url, rows());
      const back = await readCsv<{ i: number; square: number }>(url, { cast: true });
      expect(back).toHaveLength(5000);
      expect(back[4999]).toEqual({ i: 4999, square: 4999 * 4999 });
    }
    expect((await readLocal(local, "utf8")).split("\n")[0]).toBe("i,square");
  });
});
