import type { Account } from "../accounts.ts";
import { accountAllowedForTenant, accountById } from "../accounts.ts";
import { IdentityFault, stsTimestamp } from "./identityError.ts";
import type { Grant } from "./identityStore.ts";
import type { Tenant } from "./tenants.ts";

/**
 * A grant revoked by the user or an admin (password reset, "revoke sessions", the emulator's admin
 * API): every code and refresh token hanging off it fails with AADSTS50173 until the user signs in
 * again. Microsoft's answer carries no `suberror` (responses quoted in Azure/azure-cli#242 and
 * wkh237/react-native-azure-ad#31), so MSAL reports it as a ServerError `invalid_grant` rather
 * than an InteractionRequiredAuthError; the emulator keeps it that way.
 */
export function grantRevokedFault(
  grant: Grant | undefined,
  account: Account,
  issuedAt: number,
): IdentityFault {
  const validFrom = grant?.revokedAt ?? issuedAt;
  return new IdentityFault(
    400,
    "invalid_grant",
    50173,
    `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${isoSeconds(issuedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${isoSeconds(validFrom)}'. User '${account.id}'.`,
  );
}

/**
 * A code or refresh token redeemed through a `{tenant}` segment its account cannot use, e.g. a
 * personal account's token at `/organizations` (AADSTS700005).
 */
export function tenantMismatchFault(
  account: Account,
  tenant: Tenant,
  what: string,
): IdentityFault | undefined {
  if (accountAllowedForTenant(account, tenant.segment)) return undefined;
  return new IdentityFault(
    400,
    "invalid_grant",
    700005,
    `Provided ${what} is intended to use against other tenant, thus rejected. It must be redeemed against the tenant it was acquired for; '${tenant.segment}' does not serve this account.`,
  );
}

function isoSeconds(ms: number): string {
  return stsTimestamp(ms).replace(" ", "T");
}

/** The account a code or refresh token was issued to; a token naming no known account is malformed. */
export function grantAccount(accountId: string): Account {
  const account = accountById(accountId);
  if (!account) {
    throw new IdentityFault(
      400,
      "invalid_grant",
      9002313,
      "Invalid request. Request is malformed or invalid.",
    );
  }
  return account;
}
