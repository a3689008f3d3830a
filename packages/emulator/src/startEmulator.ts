import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorAdmin } from "./admin/adminClient.ts";
import { Clock } from "./clock.ts";
import type { EmulatorContext } from "./context.ts";
import { Counters } from "./counters.ts";
import { type EmulatorOptions, resolveOptions } from "./options.ts";
import { Random } from "./random.ts";
import { Signer } from "./secrets.ts";
import { buildServer } from "./server.ts";
import { createStores, type EmulatorState, loadSnapshot, restoreState, saveSnapshot } from "./state.ts";
import { tlsMaterial } from "./tls.ts";

export interface RunningEmulator {
  /**
   * `http://127.0.0.1:PORT`, where the emulator listens. Links in its answers are built from the
   * origin each request was addressed to (its Host, or a trusted proxy's forwarded host), not this.
   */
  url: string;
  /** Graph's v1.0 base, e.g. for `FERRY_GRAPH_URL`. */
  graphUrl: string;
  /** The identity platform's authority, e.g. for `FERRY_MS_AUTHORITY`. */
  authority: string;
  port: number;
  /** With `tls`: the self-signed certificate (PEM) that clients must trust. */
  ca: string | undefined;
  /** The live state, for tests in this process. Other processes use the admin HTTP API. */
  state: EmulatorState;
  /** The admin API (`/_emulator/`): seeding, chaos, revocation, clock and counters. */
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

/** Starts an emulator and resolves once it accepts connections. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = resolveOptions(options);
  const ephemeral = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "ferry-emulator-")));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const snapshot = ephemeral ? undefined : await loadSnapshot(dataDir);
  const signerKey = snapshot ? Buffer.from(snapshot.signerKey, "base64") : Signer.generateKey();
  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const ctx: EmulatorContext = {
    options: opts,
    clock: new Clock(),
    random: new Random(opts.seed),
    counters: new Counters(),
    signer: new Signer(signerKey),
    dataDir,
    markDirty() {
      // The snapshot is only kept for a named --data directory; a temporary one dies with the run.
      if (ephemeral || saveTimer) return;
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        saving = saving.then(() => saveSnapshot(state, signerKey)).catch(() => undefined);
      }, 250);
    },
  };
  const state: EmulatorState = Object.assign(ctx, createStores(ctx));
  await state.blobs.init();
  if (snapshot) restoreState(state, snapshot);

  const tls = opts.tls ? await tlsMaterial(ephemeral ? undefined : dataDir) : undefined;
  const app = buildServer(state, tls);
  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const url = `${tls ? "https" : "http"}://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`;

  return {
    url,
    graphUrl: `${url}/v1.0`,
    authority: url,
    port,
    ca: tls?.cert,
    state,
    admin: new EmulatorAdmin(url),
    async close() {
      if (saveTimer) clearTimeout(saveTimer);
      state.copies.dispose();
      // Requests still in flight get a moment to finish, then their connections are cut: a paced
      // download can run for minutes, and shutdown (SIGTERM, a test's afterAll) must not wait on it.
      const force = setTimeout(() => app.server.closeAllConnections(), 2000);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
      if (ephemeral) await rm(dataDir, { recursive: true, force: true });
      else {
        saving = saving.then(() => saveSnapshot(state, signerKey));
        await saving;
      }
    },
  };
}
