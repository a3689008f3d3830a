// `getSecret("NAME")`: a value the user keeps in the Ferry broker (`ferry secrets set NAME`, or the Integrations &
// Secrets page), read by a job with its Ferry API key, so no secret sits in the job's code. Values are kept in this
// process for a short while (30 s by default) so a loop calling getSecret() makes one broker call, and concurrent
// callers of one name share that call; a value replaced in the broker is seen after at most that long.

import { createHash } from "node:crypto";
import type { ApiErrorBody, SecretValue } from "@ferry/api";
import { FerryError } from "@ferry/graph";
import { type BrokerCredentials, findCredentials } from "./credentials.ts";

export const SECRET_CACHE_MS = 30_000;
const ATTEMPTS = 3;

export interface GetSecretOptions {
  /** The broker's URL; with `apiKey`, overrides FERRY_URL and the credentials file. */
  url?: string;
  apiKey?: string;
  /** How long a value read may be reused, in ms (default 30 000; 0 always asks the broker). */
  maxAgeMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** The broker has no secret of that name for this key's user; `secretName` says which. */
export class SecretNotFoundError extends FerryError {
  override name = "SecretNotFoundError";
  constructor(
    readonly secretName: string,
    message: string,
  ) {
    super(message, { code: "secret_not_found" });
  }
}

interface Cached {
  value: string;
  at: number;
}

const cache = new Map<string, Cached>();
const inFlight = new Map<string, Promise<Cached>>();

/**
 * The value of the secret `name` of the Ferry user whose API key the job runs with (FERRY_URL + FERRY_API_KEY, the
 * credentials file, or `options`). Throws SecretNotFoundError, naming the secret and how to set it, when there is none.
 */
export async function getSecret(name: string, options: GetSecretOptions = {}): Promise<string> {
  if (typeof name !== "string" || name === "") {
    throw new FerryError('getSecret() needs the secret\'s name, e.g. getSecret("OPENAI_API_KEY")');
  }
  const credentials = findCredentials(options);
  const base = credentials.url.replace(/\/+$/, "");
  // A digest of the key (never the key itself) tells callers apart, so two keys in one process never share a value.
  const slot = `${base} ${createHash("sha256").update(credentials.apiKey).digest("hex")} ${name}`;
  const maxAge = options.maxAgeMs ?? SECRET_CACHE_MS;
  const cached = cache.get(slot);
  if (cached !== undefined && Date.now() - cached.at < maxAge) return cached.value;
  let call = inFlight.get(slot);
  if (call === undefined) {
    call = fetchSecret(name, credentials, base, options).then((value) => {
      const entry = { value, at: Date.now() };
      cache.set(slot, entry);
      return entry;
    });
    inFlight.set(slot, call);
    void call.finally(() => inFlight.delete(slot)).catch(() => undefined);
  }
  return (await call).value;
}

/** Forgets every value read, so the next getSecret() asks the broker (after `ferry secrets set` in a test, say). */
export function clearSecretCache(): void {
  cache.clear();
}

async function fetchSecret(
  name: string,
  credentials: BrokerCredentials,
  base: string,
  options: GetSecretOptions,
): Promise<string> {
  const fetchImpl = options.fetch ?? fetch;
  const url = `${base}/api/v1/secrets/${encodeURIComponent(name)}`;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { authorization: `Bearer ${credentials.apiKey}`, accept: "application/json" },
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted || attempt >= ATTEMPTS) {
        throw new FerryError(
          `cannot reach the Ferry broker at ${credentials.url} (from the ${credentials.source}) to read secret ${name}: is it running? Start it with \`ferry dev\` or \`ferry serve\``,
          { cause: error },
        );
      }
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      continue;
    }
    if (response.ok) return ((await response.json()) as SecretValue).value;
    const body = (await response.json().catch(() => ({}))) as Partial<ApiErrorBody>;
    const code = body.error?.code ?? `http_${response.status}`;
    const detail = body.error?.message ?? `HTTP ${response.status}`;
    if ((response.status === 503 || response.status === 429) && attempt < ATTEMPTS) {
      const retryAfter = Number(response.headers.get("retry-after") ?? "1");
      await new Promise((r) =>
        setTimeout(r, Math.min(10, Number.isFinite(retryAfter) ? retryAfter : 1) * 1000),
      );
      continue;
    }
    // The broker's messages name the secret and what to do, and never carry a value.
    if (code === "secret_not_found") throw new SecretNotFoundError(name, detail);
    if (code === "not_found") {
      throw new FerryError(
        `the Ferry broker at ${credentials.url} has no secrets API: it is older than Ferry's secrets; upgrade it to read secret ${name}`,
      );
    }
    if (code === "unauthorized") {
      throw new FerryError(
        `the Ferry broker at ${credentials.url} refused the API key from the ${credentials.source} while reading secret ${name}: run \`ferry login\` with a valid key`,
      );
    }
    throw new FerryError(`the Ferry broker could not read secret ${name}: ${detail} [${code}]`);
  }
}
