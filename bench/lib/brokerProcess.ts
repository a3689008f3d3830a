// Starts bench/lib/brokerServer.ts as its own process (configured from FERRY_* variables, like
// `ferry serve`) and stops it, for the benchmarks that measure the broker from outside.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { BrokerOptions } from "@ferry/broker";
import { ROOT } from "./emulatorProcess.ts";

const SERVER = join(ROOT, "bench/lib/brokerServer.ts");

export interface BrokerProcess {
  child: ChildProcess;
  url: string;
}

export function startBrokerProcess(
  env: Record<string, string>,
  options: BrokerOptions = {},
): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ["--conditions=@ferry/source", "--import", "tsx", SERVER], {
    env: { ...process.env, ...env, FERRY_BENCH_BROKER_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^listening (\S+)$/m.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.once("exit", (code) => reject(new Error(`broker exited with ${code} before listening`)));
  });
}

export async function stopBrokerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
