// The broker's folders on disk: FERRY_HOME (master key, SQLite, the CLI's credentials) and the SQLite file's folder.
// Made here rather than with Node's `mkdir(path, { recursive: true })`, which loops for ever when a parent exists
// but answers ENOENT for any new entry, as /proc and /sys do: `FERRY_HOME=/proc/nope ferry serve` printed nothing
// and never listened. Every failure here is a ConfigError naming the variable to change.

import { randomBytes } from "node:crypto";
import { mkdir, open, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "./errors.ts";

/**
 * Creates `path` and any missing parents, each private to this user (0700), one level at a time; an existing
 * folder is left as it is. `source` is the variable the path came from, for the error.
 */
export async function makePrivateDirectory(path: string, source: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    const found = await stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw unusable(source, current, error);
    });
    if (found?.isDirectory()) break;
    if (found !== undefined)
      throw new ConfigError(source, `${current} is a file, not a folder; choose a folder`);
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const dir of missing.reverse()) {
    await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw unusable(source, dir, error);
    });
  }
}

/**
 * FERRY_HOME made and proven writable: a file is created in it and removed. Run before anything else starts, so a
 * home that cannot hold the master key fails at once and names itself.
 */
export async function prepareHome(home: string): Promise<void> {
  await makePrivateDirectory(home, "FERRY_HOME");
  const probe = join(home, `.write-check.${process.pid}.${randomBytes(4).toString("hex")}`);
  try {
    await (await open(probe, "wx", 0o600)).close();
  } catch (error) {
    throw unusable("FERRY_HOME", home, error as NodeJS.ErrnoException);
  }
  await unlink(probe);
}

/** The error for a folder that cannot be created or written: what, where, why, and what to do. */
export function unusable(source: string, path: string, error: NodeJS.ErrnoException): ConfigError {
  const why = error.code ?? error.message;
  return new ConfigError(
    source,
    `cannot create or write ${path} (${why}); choose a folder this user can write, such as ~/.ferry`,
  );
}
