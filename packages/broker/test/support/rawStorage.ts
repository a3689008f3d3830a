import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { POSTGRES_URL, type TestDatabase } from "../helpers.ts";

const run = promisify(execFile);

/** Everything the database holds on disk: the SQLite file with its WAL and shm, or a pg_dump of the test's schema. */
export async function rawStorage(current: TestDatabase): Promise<Buffer> {
  if (current.path !== undefined) {
    const parts = await Promise.all(
      ["", "-wal", "-shm"].map((suffix) => readFile(`${current.path}${suffix}`).catch(() => Buffer.alloc(0))),
    );
    return Buffer.concat(parts);
  }
  const { stdout } = await run(
    "pg_dump",
    ["--data-only", "--schema", current.schema!, "--dbname", POSTGRES_URL],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return Buffer.from(stdout);
}
