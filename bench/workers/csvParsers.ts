// One round of `npm run bench:csv-parsers`: reads a local CSV with one candidate parser (DuckDB's
// round is duckdbCsv.mjs), types the values as each does, and sums the `value` column (proof the cast
// happened). A fresh process per round, so each peak RSS (VmHWM) is the parser's own.
import { createReadStream, readFileSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { pathToFileURL } from "node:url";
import { readCsv, streamCsv, streamCsvBatches } from "@ferry/fs";
import { parse } from "csv-parse";
import { autoType, csvParse } from "d3-dsv";
import Papa from "papaparse";
import { inferSchema, initParser } from "udsv";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";

interface Args extends WorkerArgs {
  file: string;
}

type Result = { seconds: number; cpuSeconds: number; rows: number; sum: number };

async function timed(run: () => Promise<{ rows: number; sum: number }>): Promise<Result> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const { rows, sum } = await run();
  const used = process.cpuUsage(cpu);
  // CPU seconds too: on a shared machine they vary less than the wall clock.
  return { seconds: (performance.now() - t) / 1000, cpuSeconds: (used.user + used.system) / 1e6, rows, sum };
}

await serveScenarios<Args>("csvParsers", {
  // Ferry's reader, rows, as `streamCsv(url, { cast: true })` hands them out.
  ferry: (a) =>
    timed(async () => {
      let rows = 0;
      let sum = 0;
      for await (const row of streamCsv<{ value: number }>(pathToFileURL(a.file), { cast: true })) {
        rows++;
        sum += row.value;
      }
      return { rows, sum };
    }),
  // Ferry's reader, Arrow record batches.
  "ferry-batches": (a) =>
    timed(async () => {
      let rows = 0;
      let sum = 0;
      for await (const batch of streamCsvBatches(pathToFileURL(a.file), { cast: true })) {
        rows += batch.numRows;
        const values = batch.getChild("value")?.data[0]?.values as Float64Array;
        for (let i = 0; i < batch.numRows; i++) sum += values[i] as number;
      }
      return { rows, sum };
    }),
  // Ferry's reader, the whole file as one Arrow Table.
  "ferry-arrow": (a) =>
    timed(async () => {
      const table = await readCsv(pathToFileURL(a.file), { as: "arrow", cast: true });
      let sum = 0;
      for (const data of table.getChild("value")?.data ?? [])
        for (const v of data.values as Float64Array) sum += v;
      return { rows: table.numRows, sum };
    }),
  // Today's: csv-parse streaming objects with cast.
  "csv-parse": (a) =>
    timed(async () => {
      let rows = 0;
      let sum = 0;
      const parser = createReadStream(a.file).pipe(
        parse({ columns: true, bom: true, skip_empty_lines: true, cast: true }),
      );
      for await (const row of parser) {
        rows++;
        sum += (row as { value: number }).value;
      }
      return { rows, sum };
    }),
  // papaparse's Node stream, header + dynamicTyping (its cast).
  papaparse: (a) =>
    timed(
      () =>
        new Promise((resolve, reject) => {
          let rows = 0;
          let sum = 0;
          const stream = Papa.parse(Papa.NODE_STREAM_INPUT, {
            header: true,
            dynamicTyping: true,
            skipEmptyLines: true,
          });
          stream.on("data", (row: { value: number }) => {
            rows++;
            sum += row.value;
          });
          stream.on("end", () => resolve({ rows, sum }));
          stream.on("error", reject);
          createReadStream(a.file).pipe(stream);
        }),
    ),
  // udsv's incremental parser: schema inferred from the first chunk, typed objects.
  udsv: (a) =>
    timed(async () => {
      let rows = 0;
      let sum = 0;
      const decoder = new StringDecoder("utf8");
      let parser: ReturnType<typeof initParser> | undefined;
      const onRow = (row: { value: number }) => {
        rows++;
        sum += row.value;
      };
      for await (const chunk of createReadStream(a.file)) {
        const text = decoder.write(chunk as Buffer);
        parser ??= initParser(inferSchema(text));
        parser.chunk<{ value: number }>(text, parser.typedObjs, onRow as never);
      }
      parser?.end();
      return { rows, sum };
    }),
  // d3-dsv parses a whole string (no streaming): the file is read into memory first.
  "d3-dsv": (a) =>
    timed(async () => {
      const rows = csvParse(readFileSync(a.file, "utf8"), autoType);
      let sum = 0;
      for (const row of rows) sum += (row as { value: number }).value;
      return { rows: rows.length, sum };
    }),
});
