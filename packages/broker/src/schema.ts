import type { Insertable, Selectable, Updateable } from "kysely";

// Times are epoch milliseconds in bigint columns (pg's int8 is parsed to a JS number in db.ts), and flags are
// 0/1 integers: one representation that SQLite and PostgreSQL return alike.

export interface UsersTable {
  id: string;
  name: string;
  is_admin: 0 | 1;
  created_at: number;
  /** Set by `ferry users disable`: the user's keys and sessions are refused while it is. */
  disabled_at: number | null;
}

export interface ApiKeysTable {
  /** Also the middle part of the key `fry_<id>_<secret>`, so a key is found without comparing secrets. */
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface LoginLinksTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
}

export type OAuthFlow = "code" | "device";

export interface OAuthStatesTable {
  id: string;
  user_id: string;
  /** Null for the device flow, which has no redirect and so no `state` parameter. */
  state_hash: string | null;
  flow: OAuthFlow;
  code_verifier_enc: string | null;
  device_code_enc: string | null;
  redirect_to: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** Device flow: Microsoft's polling `interval` in ms, raised by `slow_down`. */
  poll_interval_ms: number | null;
  /** Device flow: when the next poll is due; claimed by moving it forward, so one instance polls each time. */
  next_poll_at: number | null;
  /** How the flow ended: `connected`, `declined`, `expired` or `failed: <reason>`; null while pending. */
  outcome: string | null;
  /**
   * Code flow: SHA-256 of the one-time token in the broker URL the connect route hands out; the browser that
   * opens it (and confirms, or is the flow user's own session) is bound to the flow.
   */
  start_token_hash: string | null;
  /** Code flow: the connect route's `loginHint`, passed to Microsoft once the flow is bound. */
  login_hint: string | null;
  /** Code flow: when a browser was bound (the start token is then spent). */
  bound_at: number | null;
  /** Code flow: SHA-256 of the binding cookie of the browser the flow is bound to. */
  binding_hash: string | null;
  /**
   * Code flow: the redeemed tokens and the account's profile, encrypted, held until the person confirms which
   * Microsoft account is connected to which Ferry user; dropped on confirm, cancel or expiry.
   */
  pending_enc: string | null;
  pending_expires_at: number | null;
}

export type ConnectionStatus = "connected" | "needs_reconnect";
export type Provider = "onedrive";

export interface ConnectionsTable {
  id: string;
  user_id: string;
  provider: Provider;
  status: ConnectionStatus;
  account_id: string;
  account_email: string | null;
  account_name: string | null;
  tenant_id: string | null;
  /** Space-separated, as the token endpoint returns them. */
  scopes: string;
  /** Null once Microsoft has rejected it (needs_reconnect): a dead token is not worth keeping. */
  refresh_token_enc: string | null;
  access_token_enc: string | null;
  access_expires_at: number | null;
  connected_at: number;
  last_refresh_at: number | null;
  last_used_at: number | null;
  last_error: string | null;
  refresh_failures: number;
  /** Bumped by every write made under the refresh lease, so readers can tell a row changed under them. */
  version: number;
  refresh_lock_owner: string | null;
  /** Database-clock epoch ms after which the lease is free to take, whether or not its owner is alive. */
  refresh_lock_until: number | null;
}

export interface AuditEventsTable {
  id: string;
  /** No foreign key: the trail outlives the user it is about. */
  user_id: string | null;
  action: string;
  detail_json: string;
  at: number;
}

/** One row (id 1): bumped with every key revocation and disabled user; see credentialEpoch.ts. */
export interface CredentialEpochTable {
  id: number;
  epoch: number;
}

/** A user's named value for their jobs; see migrations/0004_secrets.ts. */
export interface SecretsTable {
  id: string;
  user_id: string;
  /** Letters, digits and `_`, starting with a letter (secrets/secretRules.ts); not secret, the page lists it. */
  name: string;
  /** Vault ciphertext of the value, bound to this row's id. */
  value_enc: string;
  created_at: number;
  updated_at: number;
}

export interface Tables {
  users: UsersTable;
  api_keys: ApiKeysTable;
  login_links: LoginLinksTable;
  sessions: SessionsTable;
  oauth_states: OAuthStatesTable;
  connections: ConnectionsTable;
  audit_events: AuditEventsTable;
  credential_epoch: CredentialEpochTable;
  secrets: SecretsTable;
}

export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type NewConnection = Insertable<ConnectionsTable>;
export type ConnectionUpdate = Updateable<ConnectionsTable>;
export type OAuthStateRow = Selectable<OAuthStatesTable>;

/**
 * Every column that holds vault ciphertext. The one list that rotation walks and that tests grep against, so a
 * new secret column is added here or it is neither rotated nor checked.
 */
export const ENCRYPTED_COLUMNS = {
  connections: ["refresh_token_enc", "access_token_enc"],
  oauth_states: ["code_verifier_enc", "device_code_enc", "pending_enc"],
  secrets: ["value_enc"],
} as const satisfies { [T in keyof Tables]?: readonly (keyof Tables[T] & string)[] };

export type EncryptedTable = keyof typeof ENCRYPTED_COLUMNS;
export type EncryptedColumn<T extends EncryptedTable = EncryptedTable> =
  (typeof ENCRYPTED_COLUMNS)[T][number];
