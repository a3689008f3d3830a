import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLoginLink,
  createUser,
  loadConfig,
  loginLinkUrl,
  type RunningBroker,
  startBroker,
} from "@ferry/broker";
import { DEV_CLIENT_ID, type RunningEmulator, startEmulator } from "@ferry/emulator";
import { DIST_DIR } from "./buildPage.ts";

/** Emulator (with its real sign-in and consent pages) + a broker serving the built page, as `ferry dev` runs them. */
export interface PageStack {
  emu: RunningEmulator;
  broker: RunningBroker;
  /** A new Ferry user and a one-time link that signs a browser in as them. */
  newUser(name: string): Promise<{ id: string; loginUrl: string }>;
  /** The connection rows (and their encrypted token columns) the broker's SQLite holds for a user. */
  storedTokens(userId: string): Promise<{ refresh: string | null; access: string | null }[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address ? address.port : 0;
}

export async function startPageStack(): Promise<PageStack> {
  const emu = await startEmulator({ autoConsent: false });
  const home = await mkdtemp(join(tmpdir(), "ferry-web-home-"));
  const port = await freePort();
  const config = loadConfig({
    FERRY_HOME: home,
    FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
    FERRY_MS_AUTHORITY: emu.authority,
    FERRY_GRAPH_URL: emu.graphUrl,
    FERRY_PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  const broker = await startBroker(config, { port, webDir: DIST_DIR, logger: { level: "silent" } });
  return {
    emu,
    broker,
    async newUser(name) {
      const user = await createUser(broker.db, { name });
      const link = await createLoginLink(broker.db, { userId: user.id });
      return { id: user.id, loginUrl: loginLinkUrl(config, link.token) };
    },
    async storedTokens(userId) {
      const rows = await broker.db.kysely
        .selectFrom("connections")
        .select(["refresh_token_enc", "access_token_enc"])
        .where("user_id", "=", userId)
        .execute();
      return rows.map((r) => ({ refresh: r.refresh_token_enc, access: r.access_token_enc }));
    },
    async close() {
      await broker.close();
      await emu.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
