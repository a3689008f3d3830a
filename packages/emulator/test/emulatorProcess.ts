import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ListeningProcess, spawnListening } from "../../../bench/lib/listeningProcess.ts";

export const BIN = fileURLToPath(new URL("../bin/ferry-emulator.mjs", import.meta.url));
/** Node's arguments that run BIN from the TypeScript sources: the "@ferry/source" export condition, and tsx. */
const NODE_ARGS = ["--conditions=@ferry/source", "--import", "tsx", BIN];

export type EmulatorProcess = ListeningProcess;

/** Starts `ferry-emulator` as a separate process and waits for its listening line. */
export function spawnEmulator(args: string[]): Promise<EmulatorProcess> {
  return spawnListening({
    name: "ferry-emulator",
    args: [...NODE_ARGS, ...args],
    listening: /^ferry-emulator listening on (http:\/\/\S+)$/,
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
