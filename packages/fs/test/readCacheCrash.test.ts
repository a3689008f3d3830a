// A writer killed mid-download leaves no entry that is later read: a real child process fills the
// read cache over a slow link and is SIGKILLed while its temporary file grows; the next read is a
// miss that downloads and verifies the whole file, and the dead writer's partial file and lock go.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ReadCache } from "../src/index.ts";
import { type Harness, harness, random, TS_NODE_ARGS } from "./support.ts";

const CHILD = fileURLToPath(new URL("./fixtures/cacheReader.ts", import.meta.url));
const SIZE = 2 * 1024 * 1024;
let h: Harness;

beforeAll(async () => {
  // 512 KB/s per connection: the child's download takes about four seconds, time to kill it mid-way.
  h = await harness({ bandwidth: 512 * 1024 });
});

afterAll(async () => {
  await h?.close();
});

test("a writer killed mid-download leaves no entry; the next read fetches and verifies the whole file", async () => {
  const next = random(11);
  const data = new Uint8Array(SIZE).map(() => Math.floor(next() * 256));
  await h.fs.writeFile("crash/big.bin", data);
  const dir = join(h.tmp, "cache");
  const { accessToken } = await h.emu.admin.token("personal");
  const child = spawn(process.execPath, [...TS_NODE_ARGS, CHILD], {
    env: {
      ...process.env,
      FERRY_TEST_GRAPH_URL: h.emu.graphUrl,
      FERRY_TEST_TOKEN: accessToken,
      FERRY_TEST_CACHE_DIR: dir,
      FERRY_TEST_PATH: "crash/big.bin",
    },
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  // Wait until the child's temporary file holds some bytes, but not all of them.
  let partial = 0;
  for (let i = 0; i < 400 && partial === 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const names = await readdir(join(dir, "tmp")).catch(() => [] as string[]);
    for (const name of names) partial = Math.max(partial, (await stat(join(dir, "tmp", name))).size);
  }
  child.kill("SIGKILL");
  await exited;
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(SIZE);
  // The dead writer left its partial file (and lock), never an entry.
  expect((await readdir(join(dir, "entries"))).filter((n) => n.endsWith(".data"))).toEqual([]);
  expect((await readdir(join(dir, "tmp"))).length).toBeGreaterThan(0);

  const cache = new ReadCache({ dir });
  const copy = await cache.fetch(h.client, "crash/big.bin");
  expect(copy.hit).toBe(false);
  const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  expect(sha(await readFile(copy.path))).toBe(sha(data));
  expect(await readdir(join(dir, "tmp"))).toEqual([]);
  expect(await readdir(join(dir, "locks"))).toEqual([]);
  const info = await cache.info();
  expect(info).toMatchObject({ entries: 1, bytes: SIZE, partialBytes: 0 });
});
