// `ferry dev`: the whole stack on one machine. The emulator stands in for Microsoft (its data in
// FERRY_HOME/emulator, so files and grants survive a restart), the broker keeps SQLite in FERRY_HOME,
// and a local user with an API key is written to the credentials file, so the CLI, user code and
// the web page all work with no other set-up. The broker's port is fixed (7878 by default) because
// the OAuth redirect URI and the login link are built from it.

import { createServer } from "node:net";
import { join } from "node:path";
import {
  createApiKey,
  createLoginLink,
  createUser,
  getUserByName,
  loadConfig,
  loginLinkUrl,
  prepareHome,
  type RunningBroker,
  startBroker,
} from "@ferry/broker";
import { DEV_CLIENT_ID, type EmulatorOptions, type RunningEmulator, startEmulator } from "@ferry/emulator";
import { ferryHome, findCredentials, writeCredentials } from "ferry";
import { BrokerApi } from "./brokerApi.ts";
import { demoFiles } from "./demoFiles.ts";

export interface DevStackOptions {
  /** The broker's port; 0 picks a free loopback port before the broker starts (tests). */
  port: number;
  emulatorPort: number;
  /** Emulator account that answers sign-ins without the sign-in page; undefined shows the page. */
  autoConsent: string | undefined;
  seedDemoFiles: boolean;
  /** Which emulated account receives the demo files. */
  account: string;
  /** The stack's FERRY_HOME (data, emulator state, credentials file); default: ferryHome(). */
  home?: string;
  /** More emulator settings (e.g. tokenLifetime), for tests; the dev stack sets the rest. */
  emulator?: Omit<EmulatorOptions, "dataDir" | "port" | "autoConsent">;
}

export interface DevStack {
  emulator: RunningEmulator;
  broker: RunningBroker;
  home: string;
  userName: string;
  loginUrl: string;
  credentialsFile: string;
  /** Set on the start that generated the embedded master key. */
  generatedMasterKeyFile: string | undefined;
  close(): Promise<void>;
}

export const DEV_USER = "local";

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const home = options.home ?? ferryHome();
  // Before the emulator makes its folder in it: a home that cannot be written fails here, in one line.
  await prepareHome(home);
  const homeEnv = { FERRY_HOME: home };
  const port = options.port === 0 ? await freePort() : options.port;
  const emulator = await startEmulator({
    ...options.emulator,
    dataDir: join(home, "emulator"),
    port: options.emulatorPort,
    autoConsent: options.autoConsent ?? false,
  });
  let broker: RunningBroker | undefined;
  try {
    const publicUrl = `http://127.0.0.1:${port}`;
    // The dev stack is embedded by definition: a FERRY_DATABASE_URL or master key meant for a real
    // broker must not leak into it.
    const config = loadConfig({
      HOME: process.env.HOME,
      FERRY_HOME: home,
      FERRY_PUBLIC_URL: publicUrl,
      FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
      FERRY_MS_AUTHORITY: emulator.authority,
      FERRY_GRAPH_URL: emulator.graphUrl,
    });
    broker = await startBroker(config, {
      port,
      logger: { level: "error", stream: process.stderr },
    });
    const user =
      (await getUserByName(broker.db, DEV_USER)) ??
      (await createUser(broker.db, { name: DEV_USER, isAdmin: true }));
    const apiKey =
      (await reusableKey(broker.url, homeEnv)) ??
      (await createApiKey(broker.db, { userId: user.id, name: "ferry dev" })).token;
    const credentialsFile = writeCredentials(
      { url: broker.url, apiKey, graphUrl: emulator.graphUrl },
      homeEnv,
    );
    if (options.seedDemoFiles) {
      await emulator.admin.seed({ account: options.account, files: await demoFiles() });
    }
    const link = await createLoginLink(broker.db, { userId: user.id });
    const running = broker;
    return {
      emulator,
      broker,
      home,
      userName: user.name,
      loginUrl: loginLinkUrl(config, link.token),
      credentialsFile,
      generatedMasterKeyFile: running.generatedMasterKeyFile,
      async close() {
        await running.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await broker?.close().catch(() => undefined);
    await emulator.close().catch(() => undefined);
    throw error;
  }
}

/** The key from an earlier `ferry dev` in this home, if this broker still accepts it: no pile of keys per restart. */
async function reusableKey(url: string, homeEnv: { FERRY_HOME: string }): Promise<string | undefined> {
  try {
    const saved = findCredentials({}, homeEnv);
    if (saved.url !== url) return undefined;
    const me = await new BrokerApi(saved).me();
    return me.user.name === DEV_USER ? saved.apiKey : undefined;
  } catch {
    return undefined;
  }
}

/** A free loopback port: the broker's public URL (its OAuth redirect URI) must be known before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no free port on 127.0.0.1");
  return address.port;
}
