import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLoginLink, createUser, loginLinkUrl, type RunningBroker } from "@ferry/broker";
import { startDevStack } from "@ferry/cli";
import type { RunningEmulator } from "@ferry/emulator";

/**
 * `ferry dev` itself (startDevStack, as `ferry dev --no-auto-consent` runs it) in a temporary FERRY_HOME on a free
 * port: the emulator with its real sign-in and consent pages, and a broker serving the built page (packages/broker/web).
 */
export interface PageStack {
  emu: RunningEmulator;
  broker: RunningBroker;
  /** A new Ferry user and a one-time link that signs a browser in as them. */
  newUser(name: string): Promise<{ id: string; loginUrl: string }>;
  /** The connection rows (and their encrypted token columns) the broker's SQLite holds for a user. */
  storedTokens(userId: string): Promise<{ refresh: string | null; access: string | null }[]>;
  close(): Promise<void>;
}

export async function startPageStack(): Promise<PageStack> {
  const home = await mkdtemp(join(tmpdir(), "ferry-web-home-"));
  const stack = await startDevStack({
    home,
    port: 0,
    emulatorPort: 0,
    autoConsent: undefined,
    seedDemoFiles: false,
    account: "personal",
  }).catch(async (error: unknown) => {
    await rm(home, { recursive: true, force: true });
    throw error;
  });
  const { broker } = stack;
  return {
    emu: stack.emulator,
    broker,
    async newUser(name) {
      const user = await createUser(broker.db, { name });
      const link = await createLoginLink(broker.db, { userId: user.id });
      // Built as the link `ferry dev` prints for its own user: the broker's URL is the stack's public URL.
      return { id: user.id, loginUrl: loginLinkUrl({ publicUrl: broker.url }, link.token) };
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
      await stack.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
