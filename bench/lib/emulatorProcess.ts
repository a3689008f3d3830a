// The emulator as its own process, as a client benchmark needs it: the client under test must not
// share a CPU core's event loop, or a heap, with the server it measures.
import { writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatorAdmin } from "@ferry/emulator";
import { spawnListening } from "./listeningProcess.ts";
import { peakRss } from "./peakRss.ts";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "packages/emulator/bin/ferry-emulator.mjs");

export interface EmulatorProcess {
  url: string;
  graphUrl: string;
  pid: number;
  admin: EmulatorAdmin;
  /** With `tls`: the emulator's self-signed certificate (PEM), and the same in a file for curl. */
  ca: string | undefined;
  caFile: string | undefined;
  /** Peak resident memory of the emulator so far (VmHWM). */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

export interface EmulatorProcessOptions {
  /**
   * Serve HTTPS. The emulator keeps its certificate in `tls.json` of its `--data` folder, so a
   * private temporary data folder is made and the certificate read from there.
   */
  tls?: boolean;
}

export async function startEmulatorProcess(
  args: string[] = [],
  options: EmulatorProcessOptions = {},
): Promise<EmulatorProcess> {
  const dataDir = options.tls ? await mkdtemp(join(tmpdir(), "ferry-bench-emulator-")) : undefined;
  const cleanup = () => (dataDir ? rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  const { child, url, stop } = await spawnListening({
    name: "ferry-emulator",
    args: [
      // The emulator from its sources, as before it was built: tsx and the workspace's "@ferry/source" condition.
      "--conditions=@ferry/source",
      "--import",
      "tsx",
      BIN,
      "--port",
      "0",
      ...(dataDir ? ["--tls", "--data", dataDir] : []),
      ...args,
    ],
    listening: /ferry-emulator listening on (https?:\/\/\S+)/,
    stderr: "inherit",
  }).catch(async (error: unknown) => {
    await cleanup();
    throw error;
  });
  let ca: string | undefined;
  let caFile: string | undefined;
  if (dataDir) {
    ca = (JSON.parse(await readFile(join(dataDir, "tls.json"), "utf8")) as { cert: string }).cert;
    // Only the certificate goes in a file of its own; tls.json also holds the private key.
    caFile = join(dataDir, "ca.pem");
    writeFileSync(caFile, ca);
  }
  return {
    url,
    graphUrl: `${url}/v1.0`,
    pid: child.pid ?? 0,
    admin: new EmulatorAdmin(url),
    ca,
    caFile,
    peakRssBytes: () => peakRss(child.pid ?? 0),
    stop: async () => {
      await stop();
      await cleanup();
    },
  };
}
