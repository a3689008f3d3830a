import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import type { BrokerOptions, DatabaseConfig, MasterKey } from "../../src/index.ts";
import { type BrokerUnderTest, PUBLIC_URL } from "./brokerHarness.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/brokerProcess.ts", import.meta.url));

export interface BrokerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
  /** What the process wrote to stderr, for failure messages. */
  stderr(): string;
}

/** Starts test/fixtures/brokerProcess.ts with tsx on the given database and resolves once it listens. */
export async function startBrokerProcess(input: {
  database: DatabaseConfig;
  masterKey: MasterKey;
  authority: string;
  graphUrl: string;
  clientId: string;
  options?: BrokerOptions;
}): Promise<BrokerProcess> {
  const databaseUrl = input.database.kind === "sqlite" ? `sqlite:${input.database.path}` : input.database.url;
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: {
      ...process.env,
      FERRY_DATABASE_URL: databaseUrl,
      FERRY_MASTER_KEY: input.masterKey.toBase64(),
      FERRY_MS_CLIENT_ID: input.clientId,
      FERRY_MS_AUTHORITY: input.authority,
      FERRY_GRAPH_URL: input.graphUrl,
      FERRY_PUBLIC_URL: PUBLIC_URL,
      FERRY_TEST_BROKER_OPTIONS: JSON.stringify(input.options ?? {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, "exit").then(() => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening (\S+)$/m.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`broker process exited before listening:\n${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

/** The broker under test again as a separate process (its own event loop, pool and caches), as another instance. */
export function startBrokerProcessFor(
  b: BrokerUnderTest,
  overrides: Partial<Parameters<typeof startBrokerProcess>[0]> = {},
): Promise<BrokerProcess> {
  return startBrokerProcess({
    database: b.database.config,
    masterKey: b.masterKey,
    authority: b.emu.authority,
    graphUrl: b.emu.graphUrl,
    clientId: DEV_CLIENT_ID,
    ...overrides,
  });
}

export async function stopBrokerProcess(
  broker: BrokerProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill(signal);
  await broker.exited;
}
