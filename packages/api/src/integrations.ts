// `GET /api/v1/integrations` and `DELETE /api/v1/integrations/onedrive`: what is connected, and disconnecting it.

/** `disconnected` is the absence of a stored connection; `needs_reconnect` means Microsoft refused its refresh token. */
export type ConnectionStatus = "connected" | "disconnected" | "needs_reconnect";

/**
 * The Microsoft account behind a connection, from Graph's /me. Personal Microsoft accounts often have no `mail`,
 * so `email` is null for them; `name` is the display name, null when the profile has none.
 */
export interface ConnectedAccount {
  email: string | null;
  name: string | null;
}

/** Where the latest device-code sign-in stands (the broker polls Microsoft for it). */
export type DeviceFlowStatus = "pending" | "connected" | "declined" | "expired" | "failed";

export interface DeviceFlowState {
  status: DeviceFlowStatus;
  /** ISO 8601 time the user code stops working. */
  expiresAt: string;
  /** Microsoft's reason when `status` is `failed`. */
  detail: string | null;
}

export interface Integration {
  provider: "onedrive";
  status: ConnectionStatus;
  /** Null while disconnected. */
  account: ConnectedAccount | null;
  /** Scopes Microsoft granted, empty while disconnected. */
  scopes: string[];
  /** Scopes the broker asks for: `Files.ReadWrite offline_access User.Read`. */
  requestedScopes: string[];
  /** ISO 8601 times; null while disconnected or before the first refresh. */
  connectedAt: string | null;
  lastRefreshAt: string | null;
  /** Why the connection needs reconnecting, in Microsoft's words. */
  lastError: string | null;
  /** The latest device-code sign-in of this user, if any. */
  deviceFlow: DeviceFlowState | null;
}

export interface IntegrationList {
  integrations: Integration[];
}

/** `DELETE /api/v1/integrations/onedrive`. */
export interface Disconnected {
  /** False when nothing was connected. */
  disconnected: boolean;
  message: string;
  /** Where the user removes Ferry's grant at Microsoft, which offers no endpoint for an app to revoke its own. */
  removeAccess: { personal: string; workOrSchool: string };
}
