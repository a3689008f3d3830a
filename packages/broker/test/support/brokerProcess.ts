import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import { spawnListening } from "../../../../bench/lib/listeningProcess.ts";
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
  const started = await spawnListening({
    name: "the broker process",
    args: ["--import", "tsx", FIXTURE],
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
    listening: /^listening (\S+)$/,
    // tsx compiles the broker's sources on a cold start; on two busy cores that can take a while.
    timeoutMs: 60_000,
  });
  const { child, url, stderr } = started;
  const exited = started.exited.then(() => undefined);
  return { child, url, exited, stderr };
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
