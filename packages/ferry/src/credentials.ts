// Where a job finds its broker: the options it was given, then FERRY_URL + FERRY_API_KEY, then the
// credentials file that `ferry login` (or `ferry dev`) writes into FERRY_HOME. Read synchronously
// because `onedriveConnect()` returns its connection at once (synchronously), so a job's first line needs no await.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { FerryError } from "@ferry/graph";

export interface BrokerCredentials {
  /** The broker's base URL, e.g. `http://127.0.0.1:7878`. */
  url: string;
  apiKey: string;
  /** Microsoft Graph's v1.0 base, when not the public one (the emulator in `ferry dev`). */
  graphUrl?: string;
  /** Where these came from, for messages. */
  source: "options" | "environment" | "credentials file";
}

export const CREDENTIALS_FILE = "credentials.json";

export function ferryHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.FERRY_HOME && env.FERRY_HOME !== "" ? env.FERRY_HOME : join(homedir(), ".ferry");
}

export function findCredentials(
  options: { url?: string; apiKey?: string; graphUrl?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): BrokerCredentials {
  const graphUrl = options.graphUrl ?? (env.FERRY_GRAPH_URL || undefined);
  if (options.url || options.apiKey) {
    if (!options.url || !options.apiKey)
      throw new FerryError("onedriveConnect() needs both `url` and `apiKey` when either is given", {
        code: "no_credentials",
      });
    return { url: options.url, apiKey: options.apiKey, ...(graphUrl ? { graphUrl } : {}), source: "options" };
  }
  if (env.FERRY_URL || env.FERRY_API_KEY) {
    if (!env.FERRY_URL || !env.FERRY_API_KEY) {
      throw new FerryError(
        `set both FERRY_URL and FERRY_API_KEY (only ${env.FERRY_URL ? "FERRY_URL" : "FERRY_API_KEY"} is set)`,
        { code: "no_credentials" },
      );
    }
    return {
      url: env.FERRY_URL,
      apiKey: env.FERRY_API_KEY,
      ...(graphUrl ? { graphUrl } : {}),
      source: "environment",
    };
  }
  const file = join(ferryHome(env), CREDENTIALS_FILE);
  if (existsSync(file)) {
    const saved = readCredentialsFile(file);
    return { ...saved, ...(graphUrl ? { graphUrl } : {}), source: "credentials file" };
  }
  throw new FerryError(
    "no Ferry broker configured: run `ferry login --url URL --api-key KEY` (or `ferry dev` for a local one), or set FERRY_URL and FERRY_API_KEY",
    { code: "no_credentials" },
  );
}

function readCredentialsFile(file: string): Omit<BrokerCredentials, "source"> {
  // A key readable by other users is a leaked key; refuse it the way ssh refuses a loose id_rsa.
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new FerryError(`${file} is readable by other users; fix it with: chmod 600 ${file}`, {
      code: "credentials_unsafe",
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new FerryError(`${file} is not valid JSON; run \`ferry login\` again`, {
      code: "credentials_invalid",
    });
  }
  const d = data as Partial<BrokerCredentials>;
  if (typeof d.url !== "string" || typeof d.apiKey !== "string") {
    throw new FerryError(`${file} lacks url or apiKey; run \`ferry login\` again`, {
      code: "credentials_invalid",
    });
  }
  return {
    url: d.url,
    apiKey: d.apiKey,
    ...(typeof d.graphUrl === "string" ? { graphUrl: d.graphUrl } : {}),
  };
}

/** Writes the credentials file with mode 0600 (written aside, then renamed, so it is never half there). */
export function writeCredentials(
  credentials: Omit<BrokerCredentials, "source">,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const home = ferryHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, CREDENTIALS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}
