// DuckDB's read_csv over a local CSV, in a process of its own: the "limit" for parsing CSV in this
// runtime that `npm run bench:fs` and `npm run bench:csv-parsers` compare Ferry with. Plain
// JavaScript, run without bundling, because DuckDB is a native addon. Same protocol as the other
// workers: JSON arguments on stdin ({ file }), one JSON line out with the peak RSS (VmHWM).
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const { file } = JSON.parse(text);
const t = performance.now();
const cpu = process.cpuUsage();
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
// Every column is parsed and typed (DuckDB sniffs types as csv-parse's cast would); the sums and
// counts keep it from skipping columns it could otherwise leave unread.
const reader = await connection.runAndReadAll(
  `SELECT count(*)::DOUBLE, sum(value::DOUBLE), count(id), count(label), count(category), count(day)
   FROM read_csv('${String(file).replaceAll("'", "''")}')`,
);
const [rows, sum] = reader.getRows()[0];
const seconds = (performance.now() - t) / 1000;
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
connection.closeSync();
const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
process.stdout.write(
  `${JSON.stringify({ peakRssBytes: Number(hwm?.[1] ?? 0) * 1024, seconds, cpuSeconds, rows, sum })}\n`,
);
