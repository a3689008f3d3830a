// Every way `ferry serve` and `ferry dev` can fail to start ends the process within seconds, with a non-zero exit
// and one line on stderr that says what to change; nothing claims to be listening. The broker's own JSON log lines
// (a generated master key is logged as it is made) are logs, not the message, and are set aside.

import { chmod, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ferry, freePort, tempDir } from "./ferry.ts";

/**
 * Starts refused take a second or two here; the slowest case waits out the 10 s PostgreSQL connect deadline.
 * Only a start that stalls comes near this.
 */
const KILL_MS = 90_000;
const KEY = Buffer.alloc(32, 7).toString("base64");

let scratch: string;
let busy: Server;
let busyPort: number;
/** Accepts TCP connections and never answers: a PostgreSQL server that hangs, or a host that drops the packets. */
let silent: Server;
let silentPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : 0;
}

beforeAll(async () => {
  scratch = await tempDir("ferry-startup-");
  busy = createServer();
  busyPort = await listen(busy);
  silent = createServer(() => {});
  silentPort = await listen(silent);
});

afterAll(async () => {
  busy.close();
  silent.close();
  // Connections the broker opened to the silent server are ended by the broker's exit; close() waits for none.
  silent.unref();
});

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** FERRY_HOME; a fresh folder when undefined. */
  home?: () => Promise<string>;
  says: RegExp;
}

const homeWith = (files: Record<string, { text: string; mode: number }>) => async () => {
  const home = await tempDir("ferry-startup-home-");
  for (const [name, { text, mode }] of Object.entries(files)) {
    await writeFile(join(home, name), text);
    await chmod(join(home, name), mode);
  }
  return home;
};

const cases: Case[] = [
  ...(["serve", "dev"] as const).flatMap((command): Case[] => {
    const args = command === "serve" ? ["serve", "--port", "0"] : ["dev", "--port", "PORT"];
    return [
      {
        name: `${command}: FERRY_HOME cannot be created (/proc/nope)`,
        args,
        home: async () => "/proc/nope",
        says: /^ferry: FERRY_HOME: cannot create or write \/proc\/nope \(ENOENT\); choose a folder/,
      },
      {
        name: `${command}: FERRY_HOME exists but takes no files (/proc)`,
        args,
        home: async () => "/proc",
        says: /^ferry: FERRY_HOME: cannot create or write \/proc .*choose a folder/,
      },
      {
        name: `${command}: FERRY_HOME is a file`,
        args,
        home: async () => {
          const file = join(scratch, `${command}-home-file`);
          await writeFile(file, "");
          return file;
        },
        says: /^ferry: FERRY_HOME: .*-home-file is a file, not a folder; choose a folder/,
      },
      {
        name: `${command}: the broker's port is in use`,
        args: command === "serve" ? ["serve", "--port", "BUSY"] : ["dev", "--port", "BUSY"],
        says: /^ferry: port \d+ on 127\.0\.0\.1 is already in use .*choose another port with --port$/,
      },
    ];
  }),
  {
    name: "dev: the emulator's port is in use",
    args: ["dev", "--port", "PORT", "--emulator-port", "BUSY"],
    says: /^ferry: the emulator's port \d+ is already in use: choose another with --emulator-port/,
  },
  {
    name: "serve: --port is not a number",
    args: ["serve", "--port", "http"],
    says: /^ferry: --port http is not a port/,
  },
  {
    name: "serve: --host is not an address of this machine",
    args: ["serve", "--port", "0", "--host", "192.0.2.1"],
    says: /^ferry: 192\.0\.2\.1 is not an address of this machine: .*--host$/,
  },
  {
    name: "serve: FERRY_PUBLIC_URL is not a URL",
    args: ["serve", "--port", "0"],
    env: { FERRY_PUBLIC_URL: "ferry.example.com" },
    says: /^ferry: FERRY_PUBLIC_URL: .*is not a URL/,
  },
  {
    name: "serve: FERRY_DATABASE_URL has an unknown scheme",
    args: ["serve", "--port", "0"],
    env: { FERRY_DATABASE_URL: "mysql://db/ferry" },
    says: /^ferry: FERRY_DATABASE_URL: scheme "mysql:" is not supported; use sqlite:/,
  },
  {
    name: "serve: FERRY_MASTER_KEY is not 32 bytes of base64",
    args: ["serve", "--port", "0"],
    env: { FERRY_MASTER_KEY: "c2hvcnQ=" },
    says: /^ferry: FERRY_MASTER_KEY: the key decodes to 5 bytes.*openssl rand -base64 32$/,
  },
  {
    name: "serve: the embedded master key file can be read by others",
    args: ["serve", "--port", "0"],
    home: homeWith({ "master.key": { text: `${KEY}\n`, mode: 0o644 } }),
    says: /^ferry: .*master\.key: can be read or written by other users \(mode 0644\).*chmod 600/,
  },
  {
    name: "serve: the embedded master key file holds no key",
    args: ["serve", "--port", "0"],
    home: homeWith({ "master.key": { text: "not a key\n", mode: 0o600 } }),
    says: /^ferry: .*master\.key: .*but a master key is base64 of exactly 32 bytes.*openssl rand -base64 32$/,
  },
  {
    name: "serve: PostgreSQL without FERRY_MASTER_KEY",
    args: ["serve", "--port", "0"],
    env: { FERRY_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" },
    says: /^ferry: FERRY_MASTER_KEY: is required with a PostgreSQL FERRY_DATABASE_URL/,
  },
  {
    name: "serve: PostgreSQL refuses the connection",
    args: ["serve", "--port", "0"],
    env: { FERRY_DATABASE_URL: "postgres://postgres@127.0.0.1:1/test", FERRY_MASTER_KEY: KEY },
    says: /^ferry: cannot reach PostgreSQL at 127\.0\.0\.1:1\/test \(FERRY_DATABASE_URL\): connect ECONNREFUSED.*Check that the server runs/,
  },
  {
    name: "serve: PostgreSQL accepts the connection and never answers",
    args: ["serve", "--port", "0"],
    env: { FERRY_DATABASE_URL: "postgres://postgres@127.0.0.1:SILENT/test", FERRY_MASTER_KEY: KEY },
    says: /^ferry: cannot reach PostgreSQL at 127\.0\.0\.1:\d+\/test \(FERRY_DATABASE_URL\): no answer within 10 s\./,
  },
];

describe("start-up failures of ferry serve and ferry dev", () => {
  test.each(cases)("$name", async (c) => {
    const home = c.home ? await c.home() : await tempDir("ferry-startup-home-");
    const port = String(await freePort());
    const fill = (value: string) =>
      value === "PORT" ? port : value.replace("BUSY", String(busyPort)).replace("SILENT", String(silentPort));
    const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, fill(v)]));
    // A hang is the failure this guards against: a start that stalls is killed at a limit far beyond any
    // refused start (KILL_MS), and the test asserts it ended by itself rather than timing it.
    const result = await ferry(c.args.map(fill), { home, env, timeoutMs: KILL_MS });
    expect(result.killed, result.stderr).toBeUndefined();
    const lines = result.stderr.split("\n").filter((line) => line !== "" && !line.startsWith('{"level":'));
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(c.says);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toMatch(/listening|running/);
  });
});
