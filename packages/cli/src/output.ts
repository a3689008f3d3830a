// What commands print: tables for people, JSON (and CSV) for programs. Colour only on a terminal and
// never with NO_COLOR (https://no-color.org), so piped output is plain text. Nothing heavy is imported
// here: every command loads this, and a CLI that starts slowly is a CLI people avoid.

import { styleText } from "node:util";

/** One row of a table: column name → value. */
export type Row = Record<string, unknown>;

type Style = Parameters<typeof styleText>[0];

export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && (process.env.NO_COLOR ?? "") === "" && process.env.TERM !== "dumb";
}

export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return colorEnabled(stream) ? styleText(style, text) : text;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** Rows as an aligned text table with a header; columns from the first row unless given. */
export function formatTable(rows: readonly Row[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (cols.length === 0) return "";
  const cells = rows.map((r) => cols.map((c) => cellText(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const header = paint("bold", line(cols.map((c) => c.toUpperCase())));
  return [header, ...cells.map(line)].join("\n");
}

export function printTable(rows: readonly Row[], columns?: string[]): void {
  const text = formatTable(rows, columns);
  if (text !== "") process.stdout.write(`${text}\n`);
}

/** RFC 4180 CSV: quoted only where a value needs it. */
export function formatCsv(rows: readonly Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [
    cols.map(quote).join(","),
    ...rows.map((r) => cols.map((c) => quote(cellText(r[c]))).join(",")),
  ];
  return `${lines.join("\n")}\n`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value, jsonReplacer);
  return String(value);
}

/** 1536 → "1.5 KiB": sizes people read at a glance. */
export function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(n)} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[u]}`;
}
