import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiKey, createUser, loadConfig, type RunningBroker, startBroker } from "@ferry/broker";
import { DEV_CLIENT_ID, type EmulatorOptions, type RunningEmulator, startEmulator } from "@ferry/emulator";

/** The whole path a job's token takes: emulator (Microsoft) ← broker (SQLite in a temp home) ← job. */
export interface Stack {
  emu: RunningEmulator;
  broker: RunningBroker;
  home: string;
  apiKey: string;
  /** Options for onedriveConnect() that point at this stack. */
  connectOptions: { url: string; apiKey: string; graphUrl: string };
  close(): Promise<void>;
}

/** A free loopback port: the broker's public URL (its OAuth redirect URI) must be known before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

export async function startStack(emulator: EmulatorOptions = {}, account = "personal"): Promise<Stack> {
  const emu = await startEmulator({ autoConsent: account, ...emulator });
  const home = await mkdtemp(join(tmpdir(), "ferry-home-"));
  const port = await freePort();
  const config = loadConfig({
    FERRY_HOME: home,
    FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
    FERRY_MS_AUTHORITY: emu.authority,
    FERRY_GRAPH_URL: emu.graphUrl,
    FERRY_PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  const broker = await startBroker(config, { port, logger: { level: "silent" } });
  const user = await createUser(broker.db, { name: "job-runner" });
  const { token: apiKey } = await createApiKey(broker.db, { userId: user.id, name: "test" });
  // The real authorization-code flow: the broker's URL, the emulator's auto-consent, the callback.
  const started = await fetch(`${broker.url}/api/v1/integrations/onedrive/connect`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: "{}",
  });
  const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
  const finished = await fetch(authorizationUrl);
  if (!finished.ok) throw new Error(`connecting OneDrive failed: HTTP ${finished.status}`);
  return {
    emu,
    broker,
    home,
    apiKey,
    connectOptions: { url: broker.url, apiKey, graphUrl: emu.graphUrl },
    async close() {
      await broker.close();
      await emu.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
