// The one way benchmarks and tests start a server as its own process (the emulator, the broker) and wait for
// the line that says where it listens. A process that never prints it is killed after a timeout, so a hung start
// fails the run in seconds instead of hanging it.
import { type ChildProcess, spawn } from "node:child_process";

export interface ListeningProcessOptions {
  /** What to call the process in errors, e.g. "ferry-emulator". */
  name: string;
  /** Node's arguments: flags, then the script and its arguments (the process is `node` itself). */
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Matched against each line of stdout; its first group is the URL. */
  listening: RegExp;
  /** How long to wait for the listening line (default 30 s). */
  timeoutMs?: number;
  /** `pipe` keeps stderr for errors and `stderr()`; `inherit` (benchmarks) shows it as it comes. Default pipe. */
  stderr?: "pipe" | "inherit";
}

export interface ListeningProcess {
  child: ChildProcess;
  /** The URL from the listening line. */
  url: string;
  /** Every stdout line so far (the array keeps growing). */
  stdout: string[];
  /** What the process wrote to stderr so far ("" when it is inherited). */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** Sends `signal` (SIGTERM by default) unless it has already ended, and waits for the end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `node ...args` and resolves once a stdout line matches `listening`. */
export function spawnListening(options: ListeningProcessOptions): Promise<ListeningProcess> {
  const { name, timeoutMs = 30_000 } = options;
  const child = spawn(process.execPath, [...options.args], {
    ...(options.env ? { env: options.env } : {}),
    stdio: ["ignore", "pipe", options.stderr ?? "pipe"],
  });
  const stdout: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const said = () => (stderr === "" ? "" : `; stderr:\n${stderr}`);
  return new Promise((resolve, reject) => {
    let buffered = "";
    let listening = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${timeoutMs / 1000} s${said()}`));
    }, timeoutMs);
    // A server under test may log a line per request to stdout: each chunk is split once (not re-sliced per
    // line), and lines are matched only until the listening line is found, so reading the log costs the test
    // process (which may host the emulator the server talks to) next to nothing.
    child.stdout?.on("data", (d: Buffer) => {
      const lines = (buffered + d.toString()).split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        stdout.push(line);
        if (listening) continue;
        const url = options.listening.exec(line)?.[1];
        if (url) {
          listening = true;
          clearTimeout(timer);
          resolve({ child, url, stdout, stderr: () => stderr, exited, stop });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening${said()}`));
    });
  });
}
