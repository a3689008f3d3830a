import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../bin/ferry-emulator.mjs", import.meta.url));
/** Node's arguments that run BIN from the TypeScript sources: the "@ferry/source" export condition, and tsx. */
const NODE_ARGS = ["--conditions=@ferry/source", "--import", "tsx", BIN];

export interface EmulatorProcess {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far. */
  stdout: string[];
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

/** Starts `ferry-emulator` as a separate process and waits for its listening line. */
export function spawnEmulator(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  let stderr = "";
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ferry-emulator did not start in time; stderr: ${stderr}`));
    }, 30_000);
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        stdout.push(line);
        const m = /^ferry-emulator listening on (http:\/\/\S+)$/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve({ child, url: m[1], stdout, exited });
        }
        nl = buffered.indexOf("\n");
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ferry-emulator exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
}

/** Runs `ferry-emulator` with arguments expected to make it exit on its own. */
export function runEmulator(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
