// Which string literals of a statement are `onedrive://` paths, and whether DuckDB reads or writes
// them. A literal is a path when its value starts with `onedrive://`, wherever DuckDB takes one:
// read_csv/read_parquet/read_json(…) arguments (lists included), a bare quoted table
// (`FROM 'onedrive://x.csv'`), `COPY t FROM '…'`. It is written when it is the target of
// `COPY … TO '…'` or `EXPORT DATABASE '…'`. Text in comments, identifiers and other strings is
// never a path: the tokenizer tells them apart.

import type { Statement } from "./sqlTokens.ts";

const SCHEME = /^onedrive:\/\//i;

export interface PathLiteral {
  /** Offsets of the literal (quotes included) in the whole script. */
  start: number;
  end: number;
  /** The URL as written. */
  url: string;
  /** The drive path: no scheme, no leading or doubled `/`; may hold `*`, `**`, `?`, `[…]`. */
  path: string;
  mode: "read" | "write";
  glob: boolean;
}

export function oneDrivePaths(statement: Statement): PathLiteral[] {
  const tokens = statement.tokens;
  const first = tokens[0]?.kind === "word" ? tokens[0].upper : "";
  const out: PathLiteral[] = [];
  tokens.forEach((token, i) => {
    if (token.kind !== "string" || !SCHEME.test(token.value)) return;
    const before = tokens[i - 1];
    const writes =
      (first === "COPY" && before?.kind === "word" && before.upper === "TO") ||
      (first === "EXPORT" && before?.kind === "word" && before.upper === "DATABASE");
    const path = drivePath(token.value);
    out.push({
      start: token.start,
      end: token.end,
      url: token.value,
      path,
      mode: writes ? "write" : "read",
      glob: hasGlobMagic(path),
    });
  });
  return out;
}

/** `onedrive:///a//b/./c.csv` → `a/b/c.csv`. */
export function drivePath(url: string): string {
  return url
    .replace(SCHEME, "")
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

/** The characters that make a path a pattern, for DuckDB's glob and Ferry's `fs.glob` alike. */
export function hasGlobMagic(path: string): boolean {
  return /[*?[]/.test(path);
}
