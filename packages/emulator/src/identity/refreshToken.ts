import type { AppRegistration } from "../options.ts";
import { opaque } from "../secrets.ts";
import type { EmulatorState } from "../state.ts";
import { grantAccount, grantRevokedFault, tenantMismatchFault } from "./grantChecks.ts";
import { IdentityFault, missingParameter, stsTimestamp } from "./identityError.ts";
import { type RefreshTokenRecord, secretKey } from "./identityStore.ts";
import type { Issuance } from "./issuance.ts";
import { graphScopesOf, parseScopes } from "./scopes.ts";
import type { Tenant } from "./tenants.ts";

/** Microsoft's refresh tokens for web and native apps lapse after 90 days (AADSTS700082). */
export const REFRESH_TOKEN_LIFETIME_MS = 90 * 24 * 3600_000;

export function issueRefreshToken(
  state: EmulatorState,
  record: Omit<RefreshTokenRecord, "issuedAt">,
): string {
  // Microsoft's refresh tokens are long opaque strings (hundreds of characters); clients must not parse them.
  const token = `M.C${opaque(12)}_${opaque(96)}`;
  const now = state.clock.now();
  state.identity.prune(now);
  state.identity.refreshTokens.set(secretKey(token), { ...record, issuedAt: now });
  state.markDirty();
  return token;
}

/**
 * `grant_type=refresh_token`. Each redemption returns a new refresh token and leaves the presented
 * one valid (Microsoft does not revoke it), until the grant is revoked or the token turns 90 days old.
 */
export function redeemRefreshToken(
  state: EmulatorState,
  form: URLSearchParams,
  app: AppRegistration,
  tenant: Tenant,
): Issuance {
  const token = form.get("refresh_token");
  if (!token) throw missingParameter("refresh_token");
  const record = state.identity.refreshTokens.get(secretKey(token));
  if (!record) {
    throw new IdentityFault(
      400,
      "invalid_grant",
      9002313,
      "Invalid request. Request is malformed or invalid.",
    );
  }
  if (record.clientId !== app.clientId) {
    throw new IdentityFault(
      400,
      "invalid_grant",
      70000,
      "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid. The refresh token was issued to a different client.",
    );
  }
  const account = grantAccount(record.accountId);
  const grant = state.identity.grants.get(record.grantId);
  if (!grant || grant.revokedAt !== undefined) throw grantRevokedFault(grant, account, record.issuedAt);
  const now = state.clock.now();
  if (now - record.issuedAt > REFRESH_TOKEN_LIFETIME_MS) {
    throw new IdentityFault(
      400,
      "invalid_grant",
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${stsTimestamp(record.issuedAt).replace(" ", "T")} and was inactive for 90.00:00:00.`,
    );
  }
  const mismatch = tenantMismatchFault(account, tenant, "refresh token");
  if (mismatch) throw mismatch;

  const scopeParam = form.get("scope");
  const requested = scopeParam ? parseScopes(scopeParam) : record.oidcScopes;
  const notConsented = graphScopesOf(requested).filter((s) => !grant.scopes.includes(s));
  if (notConsented.length > 0) {
    // Microsoft adds `"suberror": "consent_required"` here (seen in responses quoted in
    // MicrosoftDocs/azure-docs#39189 and O365/python-o365#323); MSAL reads it as "sign in again".
    throw new IdentityFault(
      400,
      "invalid_grant",
      65001,
      `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName ?? app.clientId}'. Send an interactive authorization request for this user and resource. Missing: ${notConsented.join(" ")}.`,
      "consent_required",
    );
  }
  return { grant, account, clientId: app.clientId, requestedScopes: requested, withRefreshToken: true };
}
