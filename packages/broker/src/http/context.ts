import type { BrokerConfig } from "../config.ts";
import type { FerryDb } from "../db.ts";
import type { BrokerMetrics } from "../metrics.ts";
import type { AuthorizationFlow } from "../onedrive/authorizationFlow.ts";
import type { ConnectionStore } from "../onedrive/connections.ts";
import type { DeviceFlow } from "../onedrive/deviceFlow.ts";
import type { MicrosoftCallLimits } from "../onedrive/microsoftCallLimits.ts";
import type { TokenMinter } from "../onedrive/tokenMinter.ts";
import type { Vault } from "../vault.ts";
import type { ApiKeyVerifier } from "./apiKeyVerifier.ts";
import type { FailureLimiter } from "./failureLimiter.ts";

/** Everything the routes use, built once per broker by startBroker. */
export interface BrokerContext {
  config: BrokerConfig;
  db: FerryDb;
  vault: Vault;
  metrics: BrokerMetrics;
  limiter: FailureLimiter;
  apiKeys: ApiKeyVerifier;
  /** Per-user budgets for calls that reach Microsoft on a user's demand. */
  microsoftCalls: MicrosoftCallLimits;
  connections: ConnectionStore;
  authorization: AuthorizationFlow;
  device: DeviceFlow;
  minter: TokenMinter;
  /** The origin browsers use (FERRY_PUBLIC_URL's), the only one allowed to send cookie-authenticated changes. */
  publicOrigin: string;
  /** A directory holding the built web page (index.html and assets), if one exists. */
  webDir: string | undefined;
}
