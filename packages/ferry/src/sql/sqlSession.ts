// SQL over OneDrive with DuckDB. DuckDB reads local files only (its httpfs extension is not
// available offline, and a OneDrive download URL needs a Graph request first), so Ferry gives it
// local files: every `onedrive://` literal the SQL reads is resolved (a glob listed with Ferry's
// pruning `fs.glob`), each file is fetched through the verified read cache (one metadata request
// when unchanged, no content bytes), and hard-linked into a per-session folder that mirrors the
// drive paths. The literal becomes a relative path into that folder, found through DuckDB's
// `file_search_path`, and padded with spaces to the literal's length so every position DuckDB
// reports in an error is a position in the SQL as written. A glob stays a glob over the mirror, so
// DuckDB's own glob, union_by_name and hive_partitioning work unchanged. A `COPY … TO 'onedrive://…'`
// target becomes a local temporary path; after the statement, the file (or the folder, with
// PARTITION_BY) is uploaded, verified by QuickXorHash, and the temporary copy removed.

import { createHash, randomBytes } from "node:crypto";
import { copyFile, link, mkdir, readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileSystemFor, OneDriveFileSystem, ReadCache, type ReadCacheOptions, type Row } from "@ferry/fs";
import { NotFoundError } from "@ferry/graph";
import type { Table } from "apache-arrow";
import pLimit from "p-limit";
import { columnsToTable } from "./arrowResult.ts";
import { loadDuckDB } from "./duckdb.ts";
import { oneDrivePaths, type PathLiteral } from "./oneDrivePaths.ts";
import { type ProjectionPlan, projectionPlan, projectParquet } from "./parquetProjection.ts";
import { SqlError } from "./sqlError.ts";
import { type Statement, splitStatements, sqlString } from "./sqlTokens.ts";

export interface SqlSessionOptions {
  /** The read cache files go through (default: the connection's, else `FERRY_CACHE_DIR`, else `~/.ferry/cache`). */
  cache?: ReadCacheOptions | ReadCache;
  /** Files fetched at once (default 8). */
  concurrency?: number;
  /** DuckDB settings, e.g. `{ threads: "2", memory_limit: "1GB" }`. */
  duckdb?: Record<string, string>;
}

export interface QueryOptions extends SqlSessionOptions {
  /** Rows (default) or an Arrow Table. */
  as?: "rows" | "arrow";
  /** Values for `?`/`$1` placeholders (single-statement SQL only). */
  params?: readonly unknown[];
}

export interface SqlColumn {
  name: string;
  /** DuckDB's type, e.g. `VARCHAR`, `BIGINT`, `DECIMAL(10,2)`. */
  type: string;
}

/** What one run moved, for people and benchmarks. */
export interface SqlStats {
  /** OneDrive files the SQL read, and of those, cache hits (no content downloaded). */
  filesRead: number;
  cacheHits: number;
  bytesDownloaded: number;
  /** Parquet files read by projection: only the column chunks the SQL names were fetched. */
  filesProjected: number;
  /** Files uploaded by `COPY … TO 'onedrive://…'`, and their bytes. */
  filesWritten: number;
  bytesUploaded: number;
}

/** The last statement's result. */
export interface SqlResult {
  columns: SqlColumn[];
  rows: Row[];
  stats: SqlStats;
  /** Statements run (a script may hold several). */
  statements: number;
  /** Arrow Table of the rows, made on demand. */
  toArrow(): Table;
}

interface Duck {
  instance: import("@duckdb/node-api").DuckDBInstance;
  connection: import("@duckdb/node-api").DuckDBConnection;
}

/** The prefix of every mirrored literal; `onedrive://` is 11 characters, so it fits for n < 1000. */
const MIRROR = (n: number) => `.ferry-${n}`;

/**
 * A DuckDB connection over OneDrive that keeps its state (tables, views, settings) between
 * statements, as `ferry sql`'s prompt needs. `query()` is one session, one statement, closed.
 */
export class SqlSession {
  private literals = 0;
  private closed = false;

  private constructor(
    private readonly duck: Duck,
    /** The mirror and output folder, on the cache's filesystem so entries can be hard-linked. */
    readonly workDir: string,
    private readonly cache: ReadCache | undefined,
    private readonly concurrency: number,
  ) {}

  static async open(options: SqlSessionOptions = {}): Promise<SqlSession> {
    const { DuckDBInstance } = await loadDuckDB();
    const cache =
      options.cache instanceof ReadCache
        ? options.cache
        : options.cache
          ? new ReadCache(options.cache)
          : undefined;
    const root = join((cache ?? ReadCache.fromEnvironment() ?? ReadCache.shared()).dir, "sql");
    await mkdir(root, { recursive: true, mode: 0o700 });
    await sweepDeadSessions(root);
    const workDir = join(root, `${process.pid}.${randomBytes(4).toString("hex")}`);
    await mkdir(workDir, { mode: 0o700 });
    const instance = await DuckDBInstance.create(":memory:", options.duckdb ?? {});
    const connection = await instance.connect();
    await connection.run(`SET file_search_path = ${sqlString(workDir)}`);
    return new SqlSession({ instance, connection }, workDir, cache, options.concurrency ?? 8);
  }

  /** Runs every statement of `sql`; the result is the last one's. */
  async run(sql: string, params?: readonly unknown[]): Promise<SqlResult> {
    if (this.closed) throw new SqlError("this SQL session is closed", "sql_unsupported");
    const statements = splitStatements(sql);
    if (params && statements.length > 1)
      throw new SqlError("params go with a single statement; this SQL holds several", "sql_unsupported");
    const stats: SqlStats = {
      filesRead: 0,
      cacheHits: 0,
      bytesDownloaded: 0,
      filesProjected: 0,
      filesWritten: 0,
      bytesUploaded: 0,
    };
    let last: { columns: SqlColumn[]; typeIds: number[]; rows: Row[]; columnsJs: unknown[][] } = {
      columns: [],
      typeIds: [],
      rows: [],
      columnsJs: [],
    };
    for (const statement of statements) last = await this.runStatement(sql, statement, stats, params);
    const { columns, typeIds, rows, columnsJs } = last;
    return {
      columns,
      rows,
      stats,
      statements: statements.length,
      toArrow: () =>
        columnsToTable(
          columns.map((c, i) => ({ name: c.name, typeId: typeIds[i] ?? 0, values: columnsJs[i] ?? [] })),
        ),
    };
  }

  /** Rows of the last statement of `sql`, or an Arrow Table with `{ as: "arrow" }`. */
  async query(sql: string, options: { as: "arrow"; params?: readonly unknown[] }): Promise<Table>;
  async query(sql: string, options?: { as?: "rows"; params?: readonly unknown[] }): Promise<Row[]>;
  async query(
    sql: string,
    options: { as?: "rows" | "arrow"; params?: readonly unknown[] } = {},
  ): Promise<Row[] | Table> {
    const result = await this.run(sql, options.params);
    return options.as === "arrow" ? result.toArrow() : result.rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.duck.connection.closeSync();
    this.duck.instance.closeSync();
    await rm(this.workDir, { recursive: true, force: true });
  }

  private async runStatement(
    script: string,
    statement: Statement,
    stats: SqlStats,
    params: readonly unknown[] | undefined,
    project = true,
  ): Promise<{ columns: SqlColumn[]; typeIds: number[]; rows: Row[]; columnsJs: unknown[][] }> {
    const literals = oneDrivePaths(statement);
    const plan =
      project && literals.some((l) => l.mode === "read" && !l.glob)
        ? await this.plan(script, statement)
        : undefined;
    let projected = false;
    const replacements: { literal: PathLiteral; text: string; local: string }[] = [];
    const uploads: { literal: PathLiteral; local: string }[] = [];
    const fs = literals.length > 0 ? await oneDriveFs() : undefined;
    for (const literal of literals) {
      const n = this.literals++;
      if (literal.mode === "write") {
        if (literal.glob)
          throw new SqlError(
            `${literal.url}: COPY … TO takes a file or folder path, not a pattern`,
            "sql_unsupported",
          );
        const name = literal.path.split("/").pop() || "output";
        const local = join(this.workDir, "out", String(n), name);
        await mkdir(dirname(local), { recursive: true });
        uploads.push({ literal, local });
        replacements.push({ literal, text: sqlString(local), local });
        continue;
      }
      const relative = `${MIRROR(n)}/${literal.path}`;
      if (plan?.parquetUrls.has(literal.url) && !literal.glob)
        projected =
          (await this.project(
            fs as OneDriveFileSystem,
            literal,
            plan,
            join(this.workDir, relative),
            stats,
          )) || projected;
      else await this.mirror(fs as OneDriveFileSystem, literal, join(this.workDir, MIRROR(n)), stats);
      replacements.push({
        literal,
        text: sqlString(n < 1000 ? relative : join(this.workDir, relative)),
        local: relative,
      });
    }
    const text = rewrite(script, statement, replacements);
    let reader: import("@duckdb/node-api").DuckDBResultReader;
    try {
      reader = params
        ? await this.duck.connection.runAndReadAll(text, params as never)
        : await this.duck.connection.runAndReadAll(text);
    } catch (error) {
      // A column Ferry's projection left out (one the parse tree did not show) fails to bind: run
      // the statement again on whole files.
      if (projected && /^Binder Error/.test(String((error as Error).message)))
        return this.runStatement(script, statement, stats, params, false);
      throw this.duckError(error, script, replacements);
    }
    for (const { literal, local } of uploads)
      await this.upload(fs as OneDriveFileSystem, literal, local, stats);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const columnsJs = reader.getColumnsJS() as unknown[][];
    const back = (value: unknown) => (typeof value === "string" ? this.toUrl(value) : value);
    // Strings naming a mirrored file (read_csv's `filename` column) name the OneDrive file instead.
    for (const [i, type] of types.entries())
      if (type.typeId === 17) columnsJs[i] = (columnsJs[i] ?? []).map(back);
    const rows: Row[] = [];
    const count = columnsJs[0]?.length ?? 0;
    for (let r = 0; r < count; r++) {
      const row: Row = {};
      for (const [c, name] of names.entries()) row[name] = columnsJs[c]?.[r];
      rows.push(row);
    }
    return {
      columns: names.map((name, i) => ({ name, type: String(types[i]) })),
      typeIds: types.map((t) => t.typeId as number),
      rows,
      columnsJs,
    };
  }

  /** What the statement needs of its Parquet files, from DuckDB's parse tree (SELECTs only). */
  private async plan(script: string, statement: Statement): Promise<ProjectionPlan | undefined> {
    try {
      const reader = await this.duck.connection.runAndReadAll("SELECT json_serialize_sql($1::VARCHAR)", [
        script.slice(statement.start, statement.end),
      ]);
      return projectionPlan(String(reader.getRows()[0]?.[0] ?? ""));
    } catch {
      return undefined;
    }
  }

  /**
   * A Parquet file through projection when it is not cached whole (a cached file moves nothing, so
   * it is used as it is). Returns true when a projected file was written.
   */
  private async project(
    fs: OneDriveFileSystem,
    literal: PathLiteral,
    plan: ProjectionPlan,
    target: string,
    stats: SqlStats,
  ): Promise<boolean> {
    const cache = this.cache ?? fs.cache ?? ReadCache.shared();
    let peeked: Awaited<ReturnType<ReadCache["peek"]>>;
    try {
      peeked = await cache.peek(fs.client, literal.path);
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new SqlError(`${literal.url} does not exist on OneDrive`, "not_found", { cause: error });
      throw error;
    }
    await mkdir(dirname(target), { recursive: true });
    if (!peeked.cached) {
      // Named by the names the SQL uses: the same query again finds its projection in the cache.
      const variant = `p${createHash("sha256")
        .update([...plan.names].sort().join("\u0000"))
        .digest("hex")
        .slice(0, 16)}`;
      let fetched = 0;
      let whole = false;
      const entry = await cache
        .variant(peeked.item, literal.path, variant, async (temp) => {
          const done = await projectParquet(fs, literal.path, peeked.item, plan.names, temp);
          if (!done) {
            whole = true;
            throw new SqlError("projection keeps every column", "sql_unsupported");
          }
          fetched = done.bytes;
        })
        .catch((error: unknown) => {
          if (whole) return undefined;
          throw error;
        });
      if (entry) {
        await linkOrCopy(entry.path, target);
        stats.filesRead++;
        stats.filesProjected++;
        if (entry.hit) stats.cacheHits++;
        else stats.bytesDownloaded += fetched;
        return true;
      }
    }
    await this.mirror(fs, literal, target.slice(0, target.length - literal.path.length - 1), stats);
    return false;
  }

  /** Fetches the files a read literal names and hard-links them under `dir` by drive path. */
  private async mirror(
    fs: OneDriveFileSystem,
    literal: PathLiteral,
    dir: string,
    stats: SqlStats,
  ): Promise<void> {
    let paths: string[];
    if (literal.glob) {
      paths = (await fs.glob(literal.path)).filter((p) => p !== "");
      if (paths.length === 0) throw new SqlError(`${literal.url} matched no files on OneDrive`, "no_match");
    } else paths = [literal.path];
    const cache = this.cache ?? fs.cache ?? ReadCache.shared();
    const limit = pLimit(this.concurrency);
    await Promise.all(
      paths.map((path) =>
        limit(async () => {
          let copy: Awaited<ReturnType<ReadCache["fetch"]>>;
          try {
            copy = await cache.fetch(fs.client, path);
          } catch (error) {
            if (error instanceof NotFoundError)
              throw new SqlError(`onedrive://${path} does not exist on OneDrive`, "not_found", {
                cause: error,
              });
            if (!literal.glob && /is a folder/.test(String((error as Error).message)))
              throw new SqlError(
                `${literal.url} is a folder: name its files, e.g. '${literal.url.replace(/\/+$/, "")}/*.csv'`,
                "sql_unsupported",
              );
            throw error;
          }
          stats.filesRead++;
          if (copy.hit) stats.cacheHits++;
          else stats.bytesDownloaded += copy.size;
          const target = join(dir, ...path.split("/"));
          await mkdir(dirname(target), { recursive: true });
          await linkOrCopy(copy.path, target);
        }),
      ),
    );
  }

  /** Uploads what a COPY wrote: one file, or a folder's tree (PARTITION_BY, PER_THREAD_OUTPUT). */
  private async upload(
    fs: OneDriveFileSystem,
    literal: PathLiteral,
    local: string,
    stats: SqlStats,
  ): Promise<void> {
    const info = await stat(local).catch(() => undefined);
    if (!info) return; // COPY of nothing into a format that writes no file
    // The client checks each upload's QuickXorHash against the one OneDrive computes.
    let uploaded = [literal.path];
    if (info.isDirectory()) uploaded = await fs.put(local, literal.path, { recursive: true });
    else await fs.client.upload(literal.path, local);
    stats.filesWritten += uploaded.length;
    stats.bytesUploaded += info.isDirectory() ? await treeSize(local) : info.size;
    await rm(dirname(local), { recursive: true, force: true });
  }

  /** A path in the mirror as the OneDrive URL it stands for (other strings unchanged). */
  private toUrl(value: string): string {
    if (!value.startsWith(this.workDir)) return value;
    const rest = value.slice(this.workDir.length + 1);
    const mirrored = /^\.ferry-\d+\/(.*)$/.exec(rest);
    return mirrored ? `onedrive://${mirrored[1]}` : value;
  }

  /** DuckDB's error, its mirror paths named as the OneDrive URLs, with the line and column it points at. */
  private duckError(
    error: unknown,
    script: string,
    replacements: { literal: PathLiteral; text: string }[],
  ): SqlError {
    let message = error instanceof Error ? error.message : String(error);
    for (const r of replacements) {
      // A padded replacement has the literal's length: swap it back and the caret still points right.
      const padded = r.text.padEnd(r.literal.end - r.literal.start);
      message = message.replaceAll(padded, script.slice(r.literal.start, r.literal.end));
      message = message.replaceAll(r.text, script.slice(r.literal.start, r.literal.end));
    }
    message = message.replaceAll(
      new RegExp(`${escapeRegExp(this.workDir)}/\\.ferry-\\d+/`, "g"),
      "onedrive://",
    );
    message = message.replaceAll(/(^|[^/])\.ferry-\d+\//g, "$1onedrive://");
    const where = errorPosition(message, script);
    return new SqlError(message, "sql_error", { cause: error, line: where?.line, column: where?.column });
  }
}

/** Runs DuckDB SQL in which `onedrive://` paths and globs stand for files; rows, or Arrow with `{ as: "arrow" }`. */
export async function query(sql: string, options: QueryOptions & { as: "arrow" }): Promise<Table>;
export async function query(sql: string, options?: QueryOptions & { as?: "rows" }): Promise<Row[]>;
export async function query(sql: string, options: QueryOptions = {}): Promise<Row[] | Table> {
  const session = await SqlSession.open(options);
  try {
    const result = await session.run(sql, options.params);
    return options.as === "arrow" ? result.toArrow() : result.rows;
  } finally {
    await session.close();
  }
}

/** The OneDrive filesystem `onedrive://` resolves to in this process (the current connection's). */
async function oneDriveFs(): Promise<OneDriveFileSystem> {
  const fs = await fileSystemFor("onedrive");
  if (!(fs instanceof OneDriveFileSystem))
    throw new SqlError(
      "onedrive:// is registered to a filesystem that is not OneDrive's; SQL cannot read it",
      "sql_unsupported",
    );
  return fs;
}

/** The statement's text with each literal replaced, padded to the literal's length where it fits. */
function rewrite(
  script: string,
  statement: Statement,
  replacements: { literal: PathLiteral; text: string }[],
): string {
  let out = "";
  let at = statement.start;
  for (const { literal, text } of replacements) {
    out += script.slice(at, literal.start);
    out += text.padEnd(literal.end - literal.start);
    at = literal.end;
  }
  out += script.slice(at, statement.end);
  // Lines before the statement, kept as blank lines, so DuckDB's LINE n counts lines of the script.
  const before = script.slice(0, statement.start).split("\n").length - 1;
  // (lastIndexOf with a fromIndex of -1 searches index 0, so a statement at 0 is handled apart.)
  const lineStart = statement.start === 0 ? 0 : script.lastIndexOf("\n", statement.start - 1) + 1;
  return "\n".repeat(before) + " ".repeat(statement.start - lineStart) + out;
}

/**
 * Where DuckDB's `LINE n: <excerpt>` and caret point, as a line and column of the script. The
 * statement was run with the script's line breaks and indentation before it, so DuckDB's line is
 * the script's; the column is the caret's offset into the excerpt, found in that line.
 */
function errorPosition(message: string, script: string): { line: number; column: number } | undefined {
  const match = /LINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!match) return undefined;
  const line = Number(match[1]);
  const prefix = `LINE ${match[1]}: `.length;
  const caret = (match[3] ?? "").length - prefix;
  let excerpt = match[2] ?? "";
  let offset = caret;
  if (excerpt.startsWith("...")) {
    excerpt = excerpt.slice(3);
    offset -= 3;
  }
  const source = script.split("\n")[line - 1] ?? "";
  const found = source.indexOf(excerpt.replace(/\.\.\.$/, ""));
  return { line, column: Math.max(found, 0) + offset + 1 };
}

/**
 * A hard link pins the entry's bytes for this session even if the cache evicts it; the entry is
 * read-only (0400), so DuckDB cannot write through the link either. Across filesystems: a copy.
 */
async function linkOrCopy(entry: string, target: string): Promise<void> {
  await link(entry, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST") return;
    await copyFile(entry, target);
  });
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

/** Session folders left by processes that are gone (killed before close). */
async function sweepDeadSessions(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(name.split(".")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH")
        await rm(join(root, name), { recursive: true, force: true });
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
