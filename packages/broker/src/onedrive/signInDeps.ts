import type { FerryDb } from "../db.ts";
import type { Vault } from "../vault.ts";
import type { ConnectionStore } from "./connections.ts";
import type { MicrosoftIdentity } from "./microsoftIdentity.ts";

/**
 * What both sign-in flows (authorization code, device code) need to turn Microsoft's answer into a stored
 * connection: the flow rows, their sealed secrets, the connection store, the token endpoint, and Graph's /me for
 * the account's profile.
 */
export interface SignInDeps {
  db: FerryDb;
  vault: Vault;
  store: ConnectionStore;
  identity: MicrosoftIdentity;
  graphUrl: string;
  fetch: typeof fetch | undefined;
}
