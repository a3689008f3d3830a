import { Readable } from "node:stream";
import { type Account, accountByKey } from "../src/accounts.ts";
import type { Drive } from "../src/drive/drive.ts";
import type { ItemRecord } from "../src/drive/itemRecord.ts";
import { grantFor, mintForGrant } from "../src/identity/tokenIssuer.ts";
import { DEV_CLIENT_ID, type EmulatorOptions } from "../src/options.ts";
import { type RunningEmulator, startEmulator } from "../src/startEmulator.ts";

/** An emulator for one test file, plus a shortcut to Graph tokens that skips the sign-in flow. */
export interface TestEmulator extends RunningEmulator {
  /** A Graph access token for a test account (default scopes: Files.ReadWrite User.Read). */
  token(accountKey?: string, scopes?: string[]): string;
  account(key?: string): Account;
  /** fetch against the emulator's Graph with a token; `path` is relative to `/v1.0/`. */
  graph(path: string, init?: RequestInit & { account?: string }): Promise<Response>;
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startEmulator(options);
  const account = (key = "personal") => {
    const a = accountByKey(key);
    if (!a) throw new Error(`no test account '${key}'`);
    return a;
  };
  const token = (key = "personal", scopes = ["Files.ReadWrite", "User.Read"]) => {
    const a = account(key);
    return mintForGrant(emulator.state, grantFor(emulator.state, a, DEV_CLIENT_ID, scopes), a).accessToken;
  };
  return {
    ...emulator,
    token,
    account,
    graph(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token(init.account)}`);
      return fetch(`${emulator.graphUrl}/${path}`, { ...init, headers, redirect: "manual" });
    },
  };
}

/** The drive of a test account, for putting items in place without going through Graph. */
export function driveOf(emu: RunningEmulator, accountKey = "personal"): Drive {
  const a = accountByKey(accountKey);
  if (!a) throw new Error(`no test account '${accountKey}'`);
  return emu.state.drives.forAccount(a.id);
}

/** Creates the folder at `path` (`a/b/c`, unencoded) and any missing folders above it. */
export function seedFolder(emu: RunningEmulator, accountKey: string, path: string): ItemRecord {
  const drive = driveOf(emu, accountKey);
  let folder = drive.root;
  for (const name of path.split("/").filter((s) => s !== "")) {
    folder =
      drive.child(folder, name) ??
      drive.create(folder, name, { folder: true }, "fail", emu.state.clock.iso()).item;
  }
  emu.state.markDirty();
  return folder;
}

/**
 * Puts a file with `bytes` at `path` (unencoded), creating the folders above it, straight into the
 * drive and the blob store: tests of the metadata API need files without the upload routes.
 */
export async function seedFile(
  emu: RunningEmulator,
  accountKey: string,
  path: string,
  bytes: Uint8Array | string,
): Promise<ItemRecord> {
  const drive = driveOf(emu, accountKey);
  const names = path.split("/").filter((s) => s !== "");
  const name = names.pop();
  if (!name) throw new Error("seedFile needs a file name");
  const parent = seedFolder(emu, accountKey, names.join("/"));
  const body = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes);
  const content = await emu.state.blobs.ingest(Readable.from([body]), drive.driveType);
  const { item, released } = drive.create(
    parent,
    name,
    { folder: false, content },
    "replace",
    emu.state.clock.iso(),
  );
  await emu.state.blobs.release(released);
  emu.state.markDirty();
  return item;
}
