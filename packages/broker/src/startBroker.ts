import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { BrokerConfig } from "./config.ts";
import { type FerryDb, migrateToLatest, openDatabase } from "./db.ts";
import { purgeExpired } from "./housekeeping.ts";
import { ApiKeyVerifier } from "./http/apiKeyVerifier.ts";
import { buildApp, type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "./http/buildApp.ts";
import type { BrokerContext } from "./http/context.ts";
import { FailureLimiter, type FailureLimiterOptions } from "./http/failureLimiter.ts";
import { createLogger, type LoggerSettings } from "./http/logger.ts";
import { loadMasterKeys } from "./masterKeys.ts";
import { BrokerMetrics } from "./metrics.ts";
import { AccessTokenCache } from "./onedrive/accessTokenCache.ts";
import { AuthorizationFlow } from "./onedrive/authorizationFlow.ts";
import { ConnectionStore } from "./onedrive/connections.ts";
import { DeviceFlow } from "./onedrive/deviceFlow.ts";
import { KEEP_ALIVE_IDLE_MS, KeepAlive } from "./onedrive/keepAlive.ts";
import {
  DEFAULT_MICROSOFT_CALL_LIMITS,
  type MicrosoftCallLimitOptions,
  MicrosoftCallLimits,
} from "./onedrive/microsoftCallLimits.ts";
import { MicrosoftIdentity } from "./onedrive/microsoftIdentity.ts";
import type { SignInDeps } from "./onedrive/signInDeps.ts";
import { DEFAULT_RETRY_POLICY, type RefreshRetryPolicy, TokenMinter } from "./onedrive/tokenMinter.ts";
import { Periodic } from "./periodic.ts";
import { Vault } from "./vault.ts";

export interface BrokerOptions {
  /** Address to listen on; 127.0.0.1 by default, so a broker is private until it is deliberately exposed. */
  host?: string;
  /** Port to listen on; FERRY_PUBLIC_URL's port by default (7878). 0 picks a free one. */
  port?: number;
  /** Log level and destination, or a ready pino logger. */
  logger?: LoggerSettings | Logger;
  /** The fetch used for Microsoft's token endpoint and Graph; tests wrap it to inject failures. */
  fetch?: typeof fetch;
  /** Built web page to serve at `/`; by default this package's web/, where packages/web builds it. */
  webDir?: string;
  /** How long a refresher's lease lasts without renewal: how soon a crashed instance's refresh is taken over. */
  refreshLeaseMs?: number;
  /** How long a mint waits for another instance's refresh before answering 503. */
  lockWaitMs?: number;
  retry?: Partial<RefreshRetryPolicy>;
  /** In-process cache of decrypted access tokens per user; 0 turns it off. */
  tokenCacheMs?: number;
  /**
   * How long a verified API key is remembered in-process (60 s). A revocation or a disabled user, through any
   * instance or the CLI, voids the memory on the next request; 0 reads the key from the database every time.
   */
  apiKeyCacheMs?: number;
  /** How often the keep-alive looks for idle connections (and old rows are purged); 0 turns it off. */
  keepAliveIntervalMs?: number;
  keepAliveIdleMs?: number;
  /** How often pending device-code sign-ins are checked for a due poll; 0 turns polling off. */
  devicePollIntervalMs?: number;
  /** How often expired sign-ins (and tokens held for a confirmation) are purged; 0 turns it off. */
  purgeIntervalMs?: number;
  /** Failed credentials allowed per client address and per key id before they are answered 429. */
  rateLimit?: FailureLimiterOptions;
  /** Per-user budgets for calls that reach Microsoft (forced refreshes, device starts, code redemptions). */
  microsoftCallLimits?: Partial<MicrosoftCallLimitOptions>;
  /** Request and connection timeouts and the connection cap. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** PostgreSQL pool size of this instance. */
  poolSize?: number;
}

export interface RunningBroker {
  /** Where this broker listens, e.g. http://127.0.0.1:7878. */
  url: string;
  app: FastifyInstance;
  db: FerryDb;
  /** Set when this start generated the embedded master key: where it is, so it can be backed up. */
  generatedMasterKeyFile: string | undefined;
  /** One keep-alive pass now, rather than on its schedule. */
  runKeepAlive(): Promise<{ refreshed: number; failed: number }>;
  /** One purge of expired sign-ins, sessions and login links now, rather than on its schedule. */
  purgeExpired(): Promise<void>;
  /** One device-code polling pass now. */
  pollDeviceFlows(): Promise<number>;
  close(): Promise<void>;
}

// The same folder from src/ (in the workspace) and from dist/ (installed): the package's web/.
const DEFAULT_WEB_DIR = fileURLToPath(new URL("../web", import.meta.url));

/**
 * Starts a broker: opens and migrates the database, loads (or in embedded mode generates) the master key, and
 * serves the HTTP API. Several brokers may share one PostgreSQL database; each is a full instance.
 */
export async function startBroker(config: BrokerConfig, options: BrokerOptions = {}): Promise<RunningBroker> {
  if ("trustProxy" in options) {
    // Before issue 14 this was a boolean option; `true` trusted every peer's X-Forwarded-For.
    throw new TypeError(
      "startBroker's trustProxy option is gone: set config.trustProxy (FERRY_TRUST_PROXY) to the number of proxies in front of the broker, { hops: 1 }, or their addresses, { addresses: ['10.0.0.5'] }",
    );
  }
  const logger = isLogger(options.logger) ? options.logger : createLogger(options.logger);
  const { keys, generated, keyFile } = await loadMasterKeys(config);
  if (generated) {
    // Said once, on the start that created it: this file is the only way to decrypt the stored tokens.
    logger.warn(
      { keyFile },
      `Generated a new master key in ${keyFile}. Back it up: without it the stored OneDrive tokens cannot be decrypted.`,
    );
  }
  const db = await openDatabase(config.database, { poolSize: options.poolSize ?? 10 });
  try {
    await migrateToLatest(db);
    const vault = new Vault(keys);
    const metrics = new BrokerMetrics();
    const microsoftCalls = new MicrosoftCallLimits({
      ...DEFAULT_MICROSOFT_CALL_LIMITS,
      ...options.microsoftCallLimits,
    });
    const identity = new MicrosoftIdentity(config, options.fetch);
    const connections = new ConnectionStore(db, vault);
    const cache = new AccessTokenCache(options.tokenCacheMs ?? 2_000);
    const minter = new TokenMinter({
      db,
      store: connections,
      identity,
      cache,
      metrics,
      limits: microsoftCalls,
      logger,
      leaseMs: options.refreshLeaseMs ?? 30_000,
      lockWaitMs: options.lockWaitMs ?? 45_000,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    });
    const flowDeps: SignInDeps = {
      db,
      vault,
      store: connections,
      identity,
      graphUrl: config.graphUrl,
      fetch: options.fetch,
    };
    const device = new DeviceFlow({ ...flowDeps, logger, onConnected: (userId) => minter.forget(userId) });
    const publicOrigin = new URL(config.publicUrl).origin;
    const ctx: BrokerContext = {
      config,
      db,
      vault,
      metrics,
      limiter: new FailureLimiter(options.rateLimit ?? { burst: 10, refillPerSecond: 0.2 }),
      apiKeys: new ApiKeyVerifier(db, options.apiKeyCacheMs ?? 60_000),
      microsoftCalls,
      connections,
      authorization: new AuthorizationFlow({ ...flowDeps, limits: microsoftCalls }),
      device,
      minter,
      publicOrigin,
      webDir: options.webDir ?? DEFAULT_WEB_DIR,
    };
    const app = await buildApp(ctx, {
      logger,
      limits: { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits },
    });
    const keepAlive = new KeepAlive({
      db,
      minter,
      logger,
      idleMs: options.keepAliveIdleMs ?? KEEP_ALIVE_IDLE_MS,
    });
    const runKeepAlive = () => keepAlive.runOnce();
    const keepAliveTimer = new Periodic("keep-alive", runKeepAlive, logger);
    const purgeTimer = new Periodic("purge", () => purgeExpired(db), logger);
    const pollTimer = new Periodic("device-code polling", () => device.pollDue(), logger);

    const port = options.port ?? Number(new URL(config.publicUrl).port || 7878);
    const host = options.host ?? "127.0.0.1";
    await app.listen({ port, host });
    const address = app.server.address();
    const boundPort = typeof address === "object" && address !== null ? address.port : port;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
    keepAliveTimer.start(options.keepAliveIntervalMs ?? 3600_000);
    purgeTimer.start(options.purgeIntervalMs ?? 60_000);
    pollTimer.start(options.devicePollIntervalMs ?? 1_000);
    logger.info({ url, database: db.dialect, publicUrl: config.publicUrl }, "Ferry broker listening");

    let closing: Promise<void> | undefined;
    return {
      url,
      app,
      db,
      generatedMasterKeyFile: generated ? keyFile : undefined,
      runKeepAlive,
      purgeExpired: () => purgeExpired(db),
      pollDeviceFlows: () => device.pollDue(),
      close: () => {
        closing ??= (async () => {
          await Promise.all([keepAliveTimer.stop(), pollTimer.stop(), purgeTimer.stop()]);
          await app.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

function isLogger(value: LoggerSettings | Logger | undefined): value is Logger {
  return typeof (value as Logger | undefined)?.child === "function";
}
