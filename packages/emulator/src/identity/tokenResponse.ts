import { type Account, objectIdOf } from "../accounts.ts";
import type { EmulatorState } from "../state.ts";
import { mintIdToken } from "./idToken.ts";
import type { Issuance } from "./issuance.ts";
import { issueRefreshToken } from "./refreshToken.ts";
import { responseScope } from "./scopes.ts";
import { mintForGrant } from "./tokenIssuer.ts";

/** How the token request was made, as far as the response depends on it. */
export interface TokenRequestContext {
  /** The origin the request was addressed to: the id_token's issuer is on it. */
  origin: string;
  /** The request carried `client_info=1`, as Microsoft's own libraries (MSAL) send. */
  clientInfo: boolean;
}

/**
 * Microsoft's token response. The access token carries every Graph permission the grant holds
 * (Microsoft returns all consented scopes for the resource, not only those just asked for).
 */
export function tokenResponseBody(
  state: EmulatorState,
  request: TokenRequestContext,
  issuance: Issuance,
): Record<string, unknown> {
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
    body.id_token = mintIdToken(state, request.origin, account, clientId, requestedScopes, issuance.nonce);
  }
  if (request.clientInfo) body.client_info = clientInfo(account);
  return body;
}

/**
 * `client_info`: base64url JSON `{"uid","utid"}`, the account's object id and home directory.
 * Microsoft returns it when the request asks with `client_info=1`, and MSAL names the account
 * `uid.utid` (its `homeAccountId`), falling back to the id_token's `sub` without it. Personal
 * accounts have the consumers directory as `utid`.
 */
export function clientInfo(account: Account): string {
  return Buffer.from(JSON.stringify({ uid: objectIdOf(account), utid: account.tenantId })).toString(
    "base64url",
  );
}
