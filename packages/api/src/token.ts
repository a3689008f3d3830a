// `POST /api/v1/integrations/onedrive/token`: a short-lived Microsoft Graph access token for the caller's connection.

import type { ConnectedAccount } from "./integrations.ts";

export interface TokenRequest {
  /**
   * The expiry (ISO 8601) of a token Graph refused with 401: the broker then mints a new one rather than
   * returning that one again from its cache.
   */
  staleExpiresAt?: string;
}

export interface MintedToken {
  /** A bearer token for Microsoft Graph; never log it. */
  accessToken: string;
  /** ISO 8601 time it expires. */
  expiresAt: string;
  /** The scopes it carries, space-separated. */
  scope: string;
  account: ConnectedAccount;
}
