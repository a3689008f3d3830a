import type { Account } from "../accounts.ts";
import type { EmulatorState } from "../state.ts";
import type { Grant } from "./identityStore.ts";
import { mintIdToken } from "./idToken.ts";
import { issueRefreshToken } from "./refreshToken.ts";
import { responseScope } from "./scopes.ts";
import { mintForGrant } from "./tokenIssuer.ts";

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

/**
 * Microsoft's token response. The access token carries every Graph permission the grant holds
 * (Microsoft returns all consented scopes for the resource, not only those just asked for).
 */
export function tokenResponseBody(state: EmulatorState, issuance: Issuance): Record<string, unknown> {
  const { grant, account, clientId, requestedScopes } = issuance;
  const { accessToken, expiresIn } = mintForGrant(state, grant, account);
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: responseScope(grant.scopes, requestedScopes),
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: accessToken,
  };
  if (issuance.withRefreshToken) {
    body.refresh_token = issueRefreshToken(state, {
      grantId: grant.id,
      clientId,
      accountId: account.id,
      oidcScopes: requestedScopes.filter((s) => ["openid", "profile", "email"].includes(s)),
    });
  }
  if (requestedScopes.includes("openid")) {
    body.id_token = mintIdToken(state, account, clientId, requestedScopes, issuance.nonce);
  }
  return body;
}
