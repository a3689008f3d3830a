// A tokenizer for DuckDB's SQL dialect, just deep enough to find string literals (and so the
// `onedrive://` paths) without ever mistaking text inside a comment, an identifier or another
// string for one. It knows what DuckDB's (PostgreSQL-derived) lexer knows about quoting: '…' with
// '' inside, E'…' with backslash escapes, $tag$…$tag$ dollar quoting, "…" identifiers, -- and
// nested /* */ comments, and `;` between statements.
//
// Written by hand because DuckDB exposes no token positions for every statement type
// (`json_serialize_sql` covers SELECT only, not COPY), and no JavaScript SQL parser knows DuckDB's
// dialect (read_csv(...) in FROM, bare 'file.csv' tables, COPY options).

export type Token =
  | { kind: "string"; start: number; end: number; value: string }
  | { kind: "word"; start: number; end: number; upper: string }
  | { kind: "identifier"; start: number; end: number; value: string }
  | { kind: "symbol"; start: number; end: number; text: string };

export interface Statement {
  /** Offsets of the statement's text in the whole script (without the `;`). */
  start: number;
  end: number;
  /** Tokens without whitespace and comments, in order. */
  tokens: Token[];
}

/** The script's statements, split at top-level `;`; blank statements (only comments) are dropped. */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let current: Token[] = [];
  let start = 0;
  for (const token of tokenize(sql)) {
    if (token.kind === "symbol" && token.text === ";") {
      if (current.length > 0) statements.push({ start, end: token.start, tokens: current });
      current = [];
      start = token.end;
      continue;
    }
    current.push(token);
  }
  if (current.length > 0) statements.push({ start, end: sql.length, tokens: current });
  return statements;
}

const WORD_START = /[A-Za-z_\u0080-\uFFFF]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uFFFF]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF]*)?\$/;

export function* tokenize(sql: string): Generator<Token> {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && next === "-") {
      const eol = sql.indexOf("\n", i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === "/" && next === "*") {
      // Block comments nest, as in PostgreSQL; an unclosed one runs to the end (DuckDB reports it).
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'") {
      const [value, end] = quoted(sql, i, "'");
      yield { kind: "string", start: i, end, value };
      i = end;
    } else if ((c === "E" || c === "e") && next === "'") {
      const [value, end] = escapeString(sql, i + 1);
      yield { kind: "string", start: i, end, value };
      i = end;
    } else if (c === '"') {
      const [value, end] = quoted(sql, i, '"');
      yield { kind: "identifier", start: i, end, value };
      i = end;
    } else if (c === "$" && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
      const tag = (DOLLAR_TAG.exec(sql.slice(i, i + 64)) as RegExpExecArray)[0];
      const close = sql.indexOf(tag, i + tag.length);
      const end = close < 0 ? n : close + tag.length;
      yield { kind: "string", start: i, end, value: sql.slice(i + tag.length, close < 0 ? n : close) };
      i = end;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j] as string)) j++;
      yield { kind: "word", start: i, end: j, upper: sql.slice(i, j).toUpperCase() };
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9._eE]/.test(sql[j] as string)) j++;
      yield { kind: "word", start: i, end: j, upper: sql.slice(i, j) };
      i = j;
    } else {
      yield { kind: "symbol", start: i, end: i + 1, text: c };
      i++;
    }
  }
}

/** A '…' or "…" run from `start` (the opening quote), a doubled quote standing for one. */
function quoted(sql: string, start: number, quote: string): [string, number] {
  let value = "";
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === quote) {
      if (sql[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return [value, i + 1];
    }
    value += c;
    i++;
  }
  return [value, sql.length];
}

/** E'…' from the opening quote: backslash escapes (\n, \t, \', \\ …) and doubled quotes. */
function escapeString(sql: string, start: number): [string, number] {
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };
  let value = "";
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "\\" && i + 1 < sql.length) {
      const e = sql[i + 1] as string;
      value += escapes[e] ?? e;
      i += 2;
    } else if (c === "'") {
      if (sql[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return [value, i + 1];
    } else {
      value += c;
      i++;
    }
  }
  return [value, sql.length];
}

/** `text` as a SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** True when the script's last token is `;` (one inside a string or comment does not count): a prompt runs it. */
export function sqlEndsStatement(sql: string): boolean {
  let last: Token | undefined;
  for (const token of tokenize(sql)) last = token;
  return last?.kind === "symbol" && last.text === ";";
}
