// Runs the real `ferry` binary (bin/ferry.mjs under node) as a child process, the way a user does, on the
// workspace's TypeScript sources (the packed tarball's compiled CLI is packed.test.ts's).

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ScriptedBrowser } from "@ferry/broker";

export const BIN = fileURLToPath(new URL("../bin/ferry.mjs", import.meta.url));
/**
 * Node's arguments that run BIN from the sources: the workspace's "@ferry/source" export condition, and tsx's ES
 * module hooks (by path, so that they load from any working directory). ES hooks only, as the installed CLI
 * registers them for `ferry run`: a UDF then loads as it would for a user.
 */
export const FERRY_NODE_ARGS = [
  "--conditions=@ferry/source",
  "--import",
  pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href,
  BIN,
];

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when `timeoutMs` ran out and the process was killed: it did not end by itself. */
  killed?: true;
}

/** The environment of a user whose only Ferry configuration is FERRY_HOME. */
export function ferryEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_HOME: home, NO_COLOR: "1", ...extra };
  for (const name of [
    "FERRY_URL",
    "FERRY_API_KEY",
    "FERRY_GRAPH_URL",
    "FERRY_DATABASE_URL",
    "FERRY_MASTER_KEY",
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

export function ferry(
  args: string[],
  options: { home: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...FERRY_NODE_ARGS, ...args],
      {
        env: ferryEnv(options.home, options.env),
        cwd: options.cwd,
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, ...(error?.killed ? { killed: true } : {}) });
      },
    );
  });
}

/** A long-running ferry (dev, serve, connect): its output so far, a way to wait for a line, and its exit. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number>;
}

export function spawnFerry(args: string[], options: { home: string; env?: Record<string, string> }): Running {
  const child = spawn(process.execPath, [...FERRY_NODE_ARGS, ...args], {
    env: ferryEnv(options.home, options.env),
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    wake();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    wake();
  });
  const exited = new Promise<number>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  void exited.then(wake);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`ferry exited (${child.exitCode}) before printing ${pattern}:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface Dev {
  process: Running;
  brokerUrl: string;
  emulatorUrl: string;
  loginUrl: string;
  stop(): Promise<number>;
}

/** `ferry dev` on a free fixed port, waited on until it prints its summary. */
export async function startDev(home: string, args: string[] = [], port?: number): Promise<Dev> {
  const p = port ?? (await freePort());
  const running = spawnFerry(["dev", "--port", String(p), ...args], { home });
  await running.waitFor(/Next: /, 60_000);
  const out = running.stdout();
  const url = (label: string) => new RegExp(`${label}:\\s+(http\\S+)`).exec(out)?.[1] ?? "";
  return {
    process: running,
    brokerUrl: url("broker"),
    emulatorUrl: url("emulator"),
    loginUrl: url("web page"),
    async stop() {
      running.child.kill("SIGTERM");
      return running.exited;
    },
  };
}

/**
 * Connects OneDrive through the real CLI flow: `connect --no-browser` prints the broker's start link, which a
 * scripted browser then clicks through as a person would (Continue, the emulator's account picker, Connect).
 */
export async function connectOneDrive(home: string): Promise<Result> {
  const connect = spawnFerry(["integrations", "onedrive", "connect", "--no-browser"], { home });
  const [, url] = await connect.waitFor(/(http\S+\/integrations\/onedrive\/start\/\S+)/);
  const browser = new ScriptedBrowser();
  const done = await browser.clickThrough(await browser.open(url as string), {
    decision: ["accept", "connect"],
  });
  if (done.page?.status !== 200) throw new Error(`connecting failed: HTTP ${done.page?.status}`);
  const code = await connect.exited;
  return { code, stdout: connect.stdout(), stderr: connect.stderr() };
}
