import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyBaseLogger } from "fastify";
import { recordAudit } from "../audit.ts";
import {
  type ConnectionLease,
  ConnectionNotFoundError,
  LeaseLostError,
  LockTimeoutError,
  withConnectionLock,
} from "../connectionLock.ts";
import type { FerryDb } from "../db.ts";
import type { BrokerMetrics } from "../metrics.ts";
import type { ConnectionRow } from "../schema.ts";
import { type AccessTokenCache, type MintedToken, requiredValidityMs } from "./accessTokenCache.ts";
import { NeedsReconnect, NotConnected, RefreshUnavailable } from "./connectionErrors.ts";
import type { ConnectionStore } from "./connections.ts";
import { type MicrosoftCallLimits, TooManyMicrosoftCalls } from "./microsoftCallLimits.ts";
import type { IssuedTokens, MicrosoftIdentity } from "./microsoftIdentity.ts";
import { aadstsCode, classifyProviderError, type ProviderError } from "./providerError.ts";

/** A cached access token is handed out only while it has more than this left, so callers get time to use it. */
export const MIN_VALIDITY_MS = 5 * 60_000;
/** When a refresh fails transiently, a token with at least this much life left is still better than an error. */
const DEGRADED_MIN_VALIDITY_MS = 60_000;
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export interface RefreshRetryPolicy {
  /** Attempts per refresh, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited out while a caller waits: it goes back to the caller. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RefreshRetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };

/**
 * Why a connection is refreshed under its lease: a mint, which must end with a token and must not hand out the one
 * Graph refused (`staleExpiresAt`), or the keep-alive, which has nothing to do when the connection was refreshed
 * since `idleBefore`.
 */
type Refresh =
  | { trigger: "mint"; staleExpiresAt: number | undefined }
  | { trigger: "keepalive"; idleBefore: number };

type Trigger = Refresh["trigger"];

/**
 * Mints Graph access tokens: the stored one while it has more than 5 minutes left, otherwise a refresh.
 *
 * Exactly one refresh per connection is in flight anywhere: in this process concurrent mints share one promise,
 * and across processes and instances the refresh runs under the connection's lease (withConnectionLock), which
 * re-reads the row after it is granted, so a waiter whose predecessor just refreshed takes that result instead of
 * refreshing again. The rotated refresh token is written (fenced by the lease) before any caller sees the new
 * access token, so a crash after Microsoft answered can at worst lose the newest refresh token while the previous
 * one, which Microsoft keeps valid, stays stored.
 */
export class TokenMinter {
  readonly #inFlight = new Map<string, Promise<MintedToken>>();

  constructor(
    private readonly deps: {
      db: FerryDb;
      store: ConnectionStore;
      identity: MicrosoftIdentity;
      cache: AccessTokenCache;
      metrics: BrokerMetrics;
      /** Forced refreshes (a valid token named stale) spend from the user's budget of calls to Microsoft. */
      limits: MicrosoftCallLimits;
      logger: FastifyBaseLogger;
      leaseMs: number;
      lockWaitMs: number;
      retry: RefreshRetryPolicy;
    },
  ) {}

  /**
   * A Graph token for the user's connection. `staleExpiresAt` names a token Graph refused (a 401
   * before its expiry: revoked at Microsoft, or expired early): that token is not handed out
   * again, but if another caller already replaced it, the replacement is returned without a
   * second refresh.
   */
  async mint(userId: string, staleExpiresAt?: number): Promise<MintedToken> {
    const { cache, metrics, store } = this.deps;
    const started = performance.now();
    try {
      const cached = cache.get(userId, Date.now(), MIN_VALIDITY_MS);
      if (cached !== undefined && cached.expiresAt !== staleExpiresAt) {
        metrics.cacheHits.inc();
        metrics.mints.inc({ result: "ok" });
        metrics.mintDuration.observe({ source: "cache" }, (performance.now() - started) / 1000);
        return cached;
      }
      const row = await store.byUser(userId);
      if (row === undefined) throw new NotConnected();
      if (row.status === "needs_reconnect") throw new NeedsReconnect(row.last_error);
      if (isFresh(row, MIN_VALIDITY_MS) && row.access_expires_at !== staleExpiresAt) {
        const token = this.#mintedFrom(row);
        cache.set(userId, token, Date.now(), issuedAt(row));
        metrics.cacheHits.inc();
        metrics.mints.inc({ result: "ok" });
        metrics.mintDuration.observe({ source: "cache" }, (performance.now() - started) / 1000);
        return token;
      }
      const token = await this.#refreshShared(row, staleExpiresAt);
      metrics.mints.inc({ result: "ok" });
      metrics.mintDuration.observe({ source: "refresh" }, (performance.now() - started) / 1000);
      return token;
    } catch (error) {
      metrics.mints.inc({ result: resultOf(error) });
      throw error;
    }
  }

  /**
   * The keep-alive's refresh: renews a connection whose last refresh is older than `idleBefore`, so its refresh
   * token never lapses from inactivity (Microsoft's 90 days, AADSTS700082). False when another caller refreshed it
   * meanwhile. Failures are recorded on the connection exactly as a mint's would be.
   */
  async keepAlive(connection: Pick<ConnectionRow, "id" | "user_id">, idleBefore: number): Promise<boolean> {
    const result = await this.#locked(connection, (lease) =>
      this.#refreshLeased(lease, { trigger: "keepalive", idleBefore }),
    );
    return result !== undefined;
  }

  /** Drops this process's cached token of a user, after a change this process made. */
  forget(userId: string): void {
    this.deps.cache.forget(userId);
  }

  #refreshShared(row: ConnectionRow, staleExpiresAt?: number): Promise<MintedToken> {
    let pending = this.#inFlight.get(row.id);
    if (pending === undefined) {
      pending = this.#locked(row, (lease) =>
        this.#refreshLeased(lease, { trigger: "mint", staleExpiresAt }),
      ).finally(() => this.#inFlight.delete(row.id));
      this.#inFlight.set(row.id, pending);
    }
    return pending;
  }

  /** Runs `work` under the connection's lease, turning the lock's failures into the domain's errors. */
  async #locked<T>(
    connection: Pick<ConnectionRow, "id" | "user_id">,
    work: (lease: ConnectionLease) => Promise<T>,
  ): Promise<T> {
    const { db, leaseMs, lockWaitMs } = this.deps;
    try {
      return await withConnectionLock(db, connection.id, work, { leaseMs, waitTimeoutMs: lockWaitMs });
    } catch (error) {
      if (error instanceof ConnectionNotFoundError) throw new NotConnected();
      if (error instanceof LockTimeoutError) {
        throw new RefreshUnavailable(
          DEFAULT_RETRY_AFTER_SECONDS,
          "another refresh of this connection is taking long",
        );
      }
      if (error instanceof LeaseLostError) {
        this.deps.cache.forget(connection.user_id);
        throw new RefreshUnavailable(1, "the connection changed while it was being refreshed");
      }
      throw error;
    }
  }

  /** A mint's refresh ends with a token; the keep-alive's is undefined when the connection was refreshed since. */
  #refreshLeased(lease: ConnectionLease, refresh: Refresh & { trigger: "mint" }): Promise<MintedToken>;
  #refreshLeased(lease: ConnectionLease, refresh: Refresh): Promise<MintedToken | undefined>;
  async #refreshLeased(lease: ConnectionLease, refresh: Refresh): Promise<MintedToken | undefined> {
    const { store, cache, metrics } = this.deps;
    const { trigger } = refresh;
    const row = lease.connection;
    if (row.status === "needs_reconnect") throw new NeedsReconnect(row.last_error);
    if (refresh.trigger === "keepalive") {
      if (row.last_refresh_at !== null && row.last_refresh_at >= refresh.idleBefore) return undefined;
    } else if (isFresh(row, MIN_VALIDITY_MS)) {
      if (row.access_expires_at !== refresh.staleExpiresAt) {
        // The previous lease holder (here or in another instance) refreshed it: take its result.
        const token = this.#mintedFrom(row);
        cache.set(row.user_id, token, Date.now(), issuedAt(row));
        return token;
      }
      // Forced: only the caller's word that Graph refused this token makes it go to Microsoft now. Checked here,
      // under the lease and after the re-read, so callers that share one refresh, or find it already done by
      // another instance, spend nothing.
      const wait = this.deps.limits.take("refresh", row.user_id);
      if (wait > 0) throw new TooManyMicrosoftCalls("refresh", wait);
    }
    const refreshToken = store.refreshToken(row);
    if (refreshToken === undefined) {
      await lease.update({
        status: "needs_reconnect",
        last_error: "no refresh token is stored for this connection",
      });
      throw new NeedsReconnect("no refresh token is stored for this connection");
    }

    let tokens: IssuedTokens;
    const started = performance.now();
    try {
      tokens = await this.#redeem(refreshToken);
    } catch (error) {
      return this.#onRefreshFailure(lease, error as ProviderError, trigger);
    } finally {
      metrics.refreshDuration.observe((performance.now() - started) / 1000);
    }
    const now = Date.now();
    const updated = await lease.update({
      // Microsoft rotates the refresh token on every redemption; if it ever sends none, the old one stays good.
      ...store.sealTokens(row.id, {
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken ?? refreshToken,
      }),
      access_expires_at: now + tokens.expiresInSeconds * 1000,
      scopes: tokens.scope,
      last_refresh_at: now,
      last_error: null,
      refresh_failures: 0,
    });
    metrics.refreshes.inc({ trigger });
    const token = toMinted(updated, tokens.accessToken);
    cache.set(row.user_id, token, now, now);
    return token;
  }

  async #onRefreshFailure(
    lease: ConnectionLease,
    failure: ProviderError,
    trigger: Trigger,
  ): Promise<never | MintedToken> {
    const { db, cache, logger } = this.deps;
    const row = lease.connection;
    cache.forget(row.user_id);
    if (failure.kind === "invalid_grant") {
      // Terminal: the dead refresh token is dropped and Microsoft is not asked again until the user reconnects.
      await lease.update({
        status: "needs_reconnect",
        refresh_token_enc: null,
        access_token_enc: null,
        access_expires_at: null,
        last_error: failure.detail,
        refresh_failures: row.refresh_failures + 1,
      });
      await recordAudit(db, {
        userId: row.user_id,
        action: "connection.needs_reconnect",
        detail: { provider: "onedrive", reason: aadstsCode(failure.detail) ?? failure.reason },
      });
      logger.warn(
        {
          userId: row.user_id,
          connectionId: row.id,
          reason: failure.reason,
          aadsts: aadstsCode(failure.detail),
        },
        "OneDrive refresh token rejected; the connection needs reconnecting",
      );
      throw new NeedsReconnect(failure.detail);
    }
    await lease.update({ last_error: failure.detail, refresh_failures: row.refresh_failures + 1 });
    logger.warn(
      { userId: row.user_id, connectionId: row.id, reason: failure.reason, trigger },
      "OneDrive token refresh failed",
    );
    if (trigger === "mint" && isFresh(row, DEGRADED_MIN_VALIDITY_MS)) return this.#mintedFrom(row);
    throw new RefreshUnavailable(failure.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS, failure.detail);
  }

  /** Redeems the refresh token, retrying transient failures with exponential backoff and jitter. */
  async #redeem(refreshToken: string): Promise<IssuedTokens> {
    const { identity, retry } = this.deps;
    for (let attempt = 1; ; attempt++) {
      try {
        return await identity.refresh(refreshToken);
      } catch (error) {
        const failure = classifyProviderError(error);
        // Every failed attempt counts, retried ones too: a flaky token endpoint shows in the metrics.
        this.deps.metrics.refreshFailures.inc({ reason: failure.reason });
        if (failure.kind !== "transient" || attempt >= retry.attempts) throw failure;
        const backoff = retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        const wait = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : backoff;
        if (wait > retry.maxDelayMs) throw failure;
        await sleep(wait);
      }
    }
  }

  #mintedFrom(row: ConnectionRow): MintedToken {
    const accessToken = this.deps.store.accessToken(row);
    if (accessToken === undefined) throw new NotConnected();
    return toMinted(row, accessToken);
  }
}

function isFresh(row: ConnectionRow, minValidityMs: number): boolean {
  return (
    row.status === "connected" &&
    row.access_token_enc !== null &&
    row.access_expires_at !== null &&
    row.access_expires_at - Date.now() >
      requiredValidityMs(issuedAt(row), row.access_expires_at, minValidityMs)
  );
}

/** The access token is written together with last_refresh_at, by both the first sign-in and every refresh. */
function issuedAt(row: ConnectionRow): number {
  return row.last_refresh_at ?? row.connected_at;
}

function toMinted(row: ConnectionRow, accessToken: string): MintedToken {
  return {
    accessToken,
    expiresAt: row.access_expires_at ?? Date.now(),
    scope: row.scopes,
    account: { email: row.account_email, name: row.account_name },
  };
}

function resultOf(error: unknown): string {
  if (error instanceof NotConnected) return "not_connected";
  if (error instanceof NeedsReconnect) return "needs_reconnect";
  if (error instanceof RefreshUnavailable) return "unavailable";
  return "error";
}
