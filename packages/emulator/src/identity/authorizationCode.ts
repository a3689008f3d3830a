import type { Account } from "../accounts.ts";
import type { AppRegistration } from "../options.ts";
import { opaque } from "../secrets.ts";
import type { EmulatorState } from "../state.ts";
import type { AuthorizeRequest } from "./authorizeRequest.ts";
import { grantAccount, grantRevokedFault, tenantMismatchFault } from "./grantChecks.ts";
import { IdentityFault, missingParameter } from "./identityError.ts";
import { type Grant, secretKey } from "./identityStore.ts";
import type { Issuance } from "./issuance.ts";
import { verifierMatches } from "./pkce.ts";
import { parseScopes } from "./scopes.ts";
import type { Tenant } from "./tenants.ts";

/** Microsoft's codes "typically expire after about 10 minutes". */
export const CODE_LIFETIME_MS = 10 * 60_000;

export function issueAuthorizationCode(
  state: EmulatorState,
  request: AuthorizeRequest,
  account: Account,
  grant: Grant,
): string {
  const code = opaque(48);
  const now = state.clock.now();
  state.identity.prune(now);
  state.identity.codes.set(secretKey(code), {
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    accountId: account.id,
    grantId: grant.id,
    scopes: request.scopes,
    ...(request.codeChallenge !== undefined
      ? { codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod ?? "plain" }
      : {}),
    ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    issuedAt: now,
    expiresAt: now + CODE_LIFETIME_MS,
  });
  return code;
}

/** `grant_type=authorization_code`: the checks, in the order Microsoft reports them. */
export function redeemAuthorizationCode(
  state: EmulatorState,
  form: URLSearchParams,
  app: AppRegistration,
  tenant: Tenant,
): Issuance {
  const code = form.get("code");
  if (!code) throw missingParameter("code");
  const redirectUri = form.get("redirect_uri");
  if (!redirectUri) throw missingParameter("redirect_uri");
  const record = state.identity.codes.get(secretKey(code));
  if (!record || record.clientId !== app.clientId) {
    // A code issued to another app is as unknown to this one as a made-up code.
    throw new IdentityFault(
      400,
      "invalid_grant",
      9002313,
      "Invalid request. Request is malformed or invalid.",
    );
  }
  const now = state.clock.now();
  if (record.redeemedAt !== undefined) {
    throw new IdentityFault(
      400,
      "invalid_grant",
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    );
  }
  if (now >= record.expiresAt) {
    throw new IdentityFault(
      400,
      "invalid_grant",
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    );
  }
  if (redirectUri !== record.redirectUri) {
    // Observed from Microsoft: `invalid_client` with AADSTS500112, not RFC 6749's invalid_grant.
    throw new IdentityFault(
      400,
      "invalid_client",
      500112,
      `The reply address '${redirectUri}' does not match the reply address '${record.redirectUri}' provided when requesting Authorization code.`,
    );
  }
  if (record.codeChallenge !== undefined) {
    const verifier = form.get("code_verifier");
    if (!verifier) {
      throw new IdentityFault(
        400,
        "invalid_grant",
        50148,
        "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
      );
    }
    if (!verifierMatches(verifier, record.codeChallenge, record.codeChallengeMethod ?? "plain")) {
      throw new IdentityFault(
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
      );
    }
  }
  const account = grantAccount(record.accountId);
  const mismatch = tenantMismatchFault(account, tenant, "authorization code");
  if (mismatch) throw mismatch;
  const grant = state.identity.grants.get(record.grantId);
  if (!grant || grant.revokedAt !== undefined) throw grantRevokedFault(grant, account, record.issuedAt);
  // `scope` at /token is Microsoft's extension; it must still name known scopes.
  const scopeParam = form.get("scope");
  if (scopeParam) parseScopes(scopeParam);

  record.redeemedAt = now;
  return {
    grant,
    account,
    clientId: app.clientId,
    requestedScopes: record.scopes,
    ...(record.nonce !== undefined ? { nonce: record.nonce } : {}),
    withRefreshToken: record.scopes.includes("offline_access"),
  };
}
