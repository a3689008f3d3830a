import type { Account } from "../accounts.ts";
import type { Grant } from "./identityStore.ts";

/** What a successful grant redemption yields, whichever grant type it was. */
export interface Issuance {
  grant: Grant;
  account: Account;
  clientId: string;
  /** Scopes of this request (or of the sign-in it descends from): decide `id_token` and the `scope` string. */
  requestedScopes: string[];
  nonce?: string;
  /** Only when `offline_access` was asked for: Microsoft issues no refresh token otherwise. */
  withRefreshToken: boolean;
}
