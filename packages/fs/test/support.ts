// Test harness: a real emulator (never a hand-made Graph mock), a client whose token source plays
// the broker's part, the onedrive:// filesystem over it registered as the default, and a scratch
// local folder.

import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { countRequests, type EmulatorOptions, type RunningEmulator, startEmulator } from "@ferry/emulator";
import { OneDriveClient } from "@ferry/graph";
import { emulatorTokenSource, type TokenCounts } from "../../graph/test/support.ts";
import { OneDriveFileSystem, type OneDriveFileSystemOptions, setDefaultOneDrive } from "../src/index.ts";

export interface Harness {
  emu: RunningEmulator;
  client: OneDriveClient;
  fs: OneDriveFileSystem;
  /** Token source calls, and how many of them asked for a fresh token (after a 401). */
  tokens: TokenCounts;
  /** A local scratch folder, removed on close. */
  tmp: string;
  close(): Promise<void>;
}

export async function harness(
  options: EmulatorOptions = {},
  fsOptions: OneDriveFileSystemOptions = {},
): Promise<Harness> {
  const emu = await startEmulator(options);
  const tokens = { calls: 0, forced: 0, minted: 0 };
  const client = new OneDriveClient({
    baseUrl: emu.graphUrl,
    retry: { baseDelayMs: 10, maxDelayMs: 200 },
    token: emulatorTokenSource(emu, "personal", tokens),
  });
  const fs = new OneDriveFileSystem(client, fsOptions);
  setDefaultOneDrive(fs);
  const tmp = await mkdtemp(join(tmpdir(), "ferry-fs-test-"));
  return {
    emu,
    client,
    fs,
    tokens,
    tmp,
    async close() {
      setDefaultOneDrive(undefined);
      await rm(tmp, { recursive: true, force: true });
      await emu.close();
    },
  };
}

/** Requests the emulator counted whose route matches, summed over statuses. */
export function requestCount(emu: RunningEmulator, method: string, route: RegExp): Promise<number> {
  return emu.admin.requestCount({ method, route });
}

/**
 * What the emulator served since its counters were reset, from one snapshot: metadata GETs (the
 * item by path or id), content GETs (download URLs) and file bytes sent.
 */
export async function traffic(
  emu: RunningEmulator,
): Promise<{ metadata: number; content: number; bytesOut: number }> {
  const { requests, bytesOut } = await emu.admin.counters();
  return {
    metadata: countRequests(requests, { method: "GET", route: /^GET \/drive\/(root|items)/ }),
    content: countRequests(requests, { method: "GET", route: /\/dl\// }),
    bytesOut,
  };
}

/** Deterministic pseudo-random numbers in [0, 1) (xorshift), so generated data is reproducible. */
export function random(seed = 1): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Node's arguments that run a TypeScript child process from the sources (source condition + tsx). */
export const TS_NODE_ARGS = [
  "--conditions=@ferry/source",
  "--import",
  pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href,
];
