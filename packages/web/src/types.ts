// The broker's JSON, as the page reads it (packages/broker/README.md, "HTTP API").

export type ConnectionStatus = "connected" | "disconnected" | "needs_reconnect";

export interface Session {
  user: { id: string; name: string; isAdmin: boolean };
  via: "session" | "api_key";
  csrfToken: string | null;
}

export interface Integration {
  provider: "onedrive";
  status: ConnectionStatus;
  account: { email: string | null; name: string | null } | null;
  scopes: string[];
  requestedScopes: string[];
  connectedAt: string | null;
  lastRefreshAt: string | null;
  lastError: string | null;
}

export interface MintedToken {
  accessToken: string;
  expiresAt: string;
  scope: string;
  account: { email: string | null; name: string | null };
}

export interface Disconnected {
  disconnected: boolean;
  message: string;
  removeAccess: { personal: string; workOrSchool: string };
}
