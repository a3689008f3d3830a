// Graph access tokens from the Ferry broker. The broker holds the refresh token; a job holds only
// its Ferry API key. Tokens are cached here until a minute before they expire, concurrent callers
// share one broker call, and a token Graph refused (401) is named to the broker by its expiry so
// the broker replaces it rather than returning it from its cache again.

import type { ApiErrorBody, MintedToken, TokenRequest } from "@ferry/api";
import { FerryError, type TokenSource } from "@ferry/graph";
import type { BrokerCredentials } from "./credentials.ts";

/**
 * Refetch this long before expiry, so a token never runs out in the middle of a request; for a token that
 * came with less than four times that left (short lifetimes set by policy), a quarter of what it had.
 */
const EARLY_MS = 60_000;
const ATTEMPTS = 4;

export interface BrokerTokenSource extends TokenSource {
  /** The last token the broker minted (its account, scope and expiry), if any. */
  last(): MintedToken | undefined;
}

export function brokerTokenSource(
  credentials: BrokerCredentials,
  fetchImpl: typeof fetch = fetch,
): BrokerTokenSource {
  let cached: MintedToken | undefined;
  let cachedEarlyMs = EARLY_MS;
  let inFlight: Promise<MintedToken> | undefined;
  const endpoint = `${credentials.url.replace(/\/+$/, "")}/api/v1/integrations/onedrive/token`;

  /** `stale`: the expiry of a token Graph refused, which the broker must not hand out again. */
  async function mint(stale: string | undefined, signal?: AbortSignal): Promise<MintedToken> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetchImpl(endpoint, {
          method: "POST",
          headers: { authorization: `Bearer ${credentials.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify((stale ? { staleExpiresAt: stale } : {}) satisfies TokenRequest),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted || attempt >= ATTEMPTS) {
          throw new FerryError(
            `cannot reach the Ferry broker at ${credentials.url} (from the ${credentials.source}): is it running? Start it with \`ferry dev\` or \`ferry serve\``,
            { code: "broker_unreachable", cause: error },
          );
        }
        await sleep(250 * 2 ** attempt, signal);
        continue;
      }
      if (response.ok) return (await response.json()) as MintedToken;
      const body = (await response.json().catch(() => ({}))) as Partial<ApiErrorBody>;
      const code = body.error?.code ?? `http_${response.status}`;
      const detail = body.error?.message ?? `HTTP ${response.status}`;
      if (response.status === 503 && attempt < ATTEMPTS) {
        // The broker could not refresh right now (Microsoft throttling or down); it says when to retry.
        const retryAfter = Number(response.headers.get("retry-after") ?? "1");
        await sleep(Math.min(30, Number.isFinite(retryAfter) ? retryAfter : 1) * 1000, signal);
        continue;
      }
      throw brokerError(code, detail, credentials);
    }
  }

  const source = (async (options?: { forceRefresh?: boolean; signal?: AbortSignal }) => {
    const force = options?.forceRefresh === true;
    if (!force && cached && Date.parse(cached.expiresAt) - Date.now() > cachedEarlyMs)
      return cached.accessToken;
    // One broker call for many concurrent callers; a forced refresh waits for any call in flight
    // and then makes its own, since the in-flight one may return the token Graph just refused.
    if (!force && inFlight) return (await inFlight).accessToken;
    const refused = force ? cached?.expiresAt : undefined;
    const call = (async () => {
      if (force && inFlight) await inFlight.catch(() => undefined);
      return mint(refused, options?.signal);
    })();
    inFlight = call;
    try {
      cached = await call;
      cachedEarlyMs = Math.min(EARLY_MS, Math.max(0, Date.parse(cached.expiresAt) - Date.now()) / 4);
      return cached.accessToken;
    } finally {
      if (inFlight === call) inFlight = undefined;
    }
  }) as BrokerTokenSource;
  source.last = () => cached;
  return source;
}

function brokerError(code: string, detail: string, credentials: BrokerCredentials): FerryError {
  switch (code) {
    case "needs_reconnect":
      return new FerryError(
        `OneDrive needs reconnecting: run \`ferry integrations onedrive connect\` (${detail})`,
        { code: "needs_reconnect" },
      );
    case "not_connected":
      return new FerryError(
        "OneDrive is not connected: run `ferry integrations onedrive connect`, or use the Integrations page",
        { code: "not_connected" },
      );
    case "unauthorized":
      return new FerryError(
        `the Ferry broker at ${credentials.url} refused the API key from the ${credentials.source}: run \`ferry login\` with a valid key`,
        { code: "unauthorized" },
      );
    default:
      return new FerryError(`the Ferry broker could not mint a OneDrive token: ${detail} [${code}]`, {
        code: "broker_error",
      });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
