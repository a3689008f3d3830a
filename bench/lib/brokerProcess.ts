// Starts bench/lib/brokerServer.ts as its own process (configured from FERRY_* variables, like
// `ferry serve`) and stops it, for the benchmarks that measure the broker from outside.
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { BrokerOptions } from "@ferry/broker";
import { ROOT } from "./emulatorProcess.ts";
import { spawnListening } from "./listeningProcess.ts";

const SERVER = join(ROOT, "bench/lib/brokerServer.ts");

export interface BrokerProcess {
  child: ChildProcess;
  url: string;
}

export async function startBrokerProcess(
  env: Record<string, string>,
  options: BrokerOptions = {},
): Promise<BrokerProcess> {
  const { child, url } = await spawnListening({
    name: "the benchmark broker",
    args: ["--conditions=@ferry/source", "--import", "tsx", SERVER],
    env: { ...process.env, ...env, FERRY_BENCH_BROKER_OPTIONS: JSON.stringify(options) },
    listening: /^listening (\S+)$/,
    stderr: "inherit",
  });
  return { child, url };
}

export async function stopBrokerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
