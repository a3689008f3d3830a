// The emulator as its own process, as a client benchmark needs it: the client under test must not
// share a CPU core's event loop, or a heap, with the server it measures.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatorAdmin } from "@ferry/emulator";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "packages/emulator/bin/ferry-emulator.mjs");

export interface EmulatorProcess {
  url: string;
  graphUrl: string;
  pid: number;
  admin: EmulatorAdmin;
  /** Peak resident memory of the emulator so far (VmHWM). */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

export function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      const m = /ferry-emulator listening on (https?:\/\/\S+)/.exec(buffered);
      if (!m?.[1]) return;
      const url = m[1];
      resolve({
        url,
        graphUrl: `${url}/v1.0`,
        pid: child.pid ?? 0,
        admin: new EmulatorAdmin(url),
        peakRssBytes: () => peakRss(child.pid ?? 0),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => reject(new Error(`ferry-emulator exited with ${code} before listening`)));
  });
}

/** VmHWM of a live process: the most resident memory it has had. */
export function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
