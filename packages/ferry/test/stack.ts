import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectOneDriveScripted, type RunningBroker } from "@ferry/broker";
import { startDevStack } from "@ferry/cli";
import type { EmulatorOptions, RunningEmulator } from "@ferry/emulator";
import { findCredentials } from "../src/index.ts";

/**
 * The whole path a job's token takes: emulator (Microsoft) ← broker (SQLite in a temp home) ← job, started as
 * `ferry dev --auto-consent <account>` starts it (startDevStack), in a temporary FERRY_HOME on a free port.
 */
export interface Stack {
  emu: RunningEmulator;
  broker: RunningBroker;
  home: string;
  apiKey: string;
  /** Options for onedriveConnect() that point at this stack. */
  connectOptions: { url: string; apiKey: string; graphUrl: string };
  close(): Promise<void>;
}

export async function startStack(
  emulator: Omit<EmulatorOptions, "dataDir" | "port" | "autoConsent"> = {},
  account = "personal",
): Promise<Stack> {
  const home = await mkdtemp(join(tmpdir(), "ferry-home-"));
  const dev = await startDevStack({
    home,
    port: 0,
    emulatorPort: 0,
    autoConsent: account,
    seedDemoFiles: false,
    account,
    emulator,
  }).catch(async (error: unknown) => {
    await rm(home, { recursive: true, force: true });
    throw error;
  });
  try {
    // The API key `ferry dev` wrote to the credentials file in its FERRY_HOME, as the CLI and jobs find it.
    const { apiKey } = findCredentials({}, { FERRY_HOME: home });
    // The real authorization-code flow, clicked through as a person would: the broker's start link, the
    // emulator's account picker (auto-consent), the callback and the broker's confirmation.
    const finished = await connectOneDriveScripted({ brokerUrl: dev.broker.url, apiKey, account });
    if (finished.status !== 200) throw new Error(`connecting OneDrive failed: HTTP ${finished.status}`);
    return {
      emu: dev.emulator,
      broker: dev.broker,
      home,
      apiKey,
      connectOptions: { url: dev.broker.url, apiKey, graphUrl: dev.emulator.graphUrl },
      async close() {
        await dev.close();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await dev.close().catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}
