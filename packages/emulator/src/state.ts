import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Chaos } from "./chaos/chaos.ts";
import type { EmulatorContext } from "./context.ts";
import type { DriveSnapshot } from "./drive/driveSnapshot.ts";
import { DriveStore } from "./drive/driveStore.ts";
import { CopyJobs } from "./graph/copyJobs.ts";
import { IdentityStore } from "./identity/identityStore.ts";
import { BlobStore } from "./storage/blobStore.ts";
import { UploadSessions } from "./storage/uploadSessions.ts";

/** The context plus every store. Route groups receive this. */
export interface EmulatorState extends EmulatorContext {
  drives: DriveStore;
  blobs: BlobStore;
  identity: IdentityStore;
  chaos: Chaos;
  uploads: UploadSessions;
  copies: CopyJobs;
}

/** What survives a restart with the same `--data` directory. */
interface Snapshot {
  version: 1;
  signerKey: string;
  drives: DriveSnapshot[];
  identity: ReturnType<IdentityStore["toJSON"]>;
}

export const STATE_FILE = "state.json";

export async function loadSnapshot(dataDir: string): Promise<Snapshot | undefined> {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, "utf8")) as Snapshot;
}

export function restoreState(state: EmulatorState, snapshot: Snapshot): void {
  state.drives.restore(snapshot.drives);
  state.identity.restore(snapshot.identity);
  state.blobs.recount(state.drives.all().flatMap((d) => [...d.blobReferences()]));
}

/** Writes the snapshot atomically (write then rename), so a crash never leaves half a file. */
export async function saveSnapshot(state: EmulatorState, signerKey: Buffer): Promise<void> {
  const snapshot: Snapshot = {
    version: 1,
    signerKey: signerKey.toString("base64"),
    drives: state.drives.toJSON(),
    identity: state.identity.toJSON(),
  };
  const file = join(state.dataDir, STATE_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(snapshot), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export function createStores(ctx: EmulatorContext): Omit<EmulatorState, keyof EmulatorContext> {
  return {
    drives: new DriveStore(ctx.clock.iso()),
    blobs: new BlobStore(ctx.dataDir),
    identity: new IdentityStore(ctx.options.apps),
    chaos: new Chaos(ctx),
    uploads: new UploadSessions(),
    copies: new CopyJobs(),
  };
}
