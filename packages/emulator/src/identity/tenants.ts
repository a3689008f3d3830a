import { ACCOUNTS, type Account, accountAllowedForTenant, CONSUMERS_TENANT_ID } from "../accounts.ts";
import { IdentityFault } from "./identityError.ts";

/** The `{tenant}` path segment of an identity-platform URL, resolved. */
export interface Tenant {
  /** Lower-cased as given: `common`, `consumers`, `organizations` or a tenant id. */
  segment: string;
  /** A concrete directory, or undefined for the multi-tenant aliases `common` and `organizations`. */
  tenantId: string | undefined;
}

const ALIASES = new Set(["common", "consumers", "organizations"]);

/** Tenant ids the emulator knows: every test account's directory. */
function knownTenantIds(): Set<string> {
  return new Set(ACCOUNTS.map((a) => a.tenantId));
}

export function resolveTenant(segment: string): Tenant | undefined {
  const s = segment.toLowerCase();
  // `consumers` is itself a directory (Microsoft's fixed MSA tenant), which is why its discovery
  // document names a concrete issuer while `common` and `organizations` keep `{tenantid}`.
  if (s === "consumers") return { segment: s, tenantId: CONSUMERS_TENANT_ID };
  if (ALIASES.has(s)) return { segment: s, tenantId: undefined };
  if (knownTenantIds().has(s)) return { segment: s, tenantId: s };
  return undefined;
}

export function unknownTenantMessage(segment: string): string {
  return `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;
}

/** For the JSON endpoints: the tenant or Microsoft's AADSTS90002. */
export function requireTenant(segment: string): Tenant {
  const tenant = resolveTenant(segment);
  if (!tenant) throw new IdentityFault(400, "invalid_request", 90002, unknownTenantMessage(segment));
  return tenant;
}

export function accountsForTenant(tenant: Tenant): Account[] {
  return ACCOUNTS.filter((a) => accountAllowedForTenant(a, tenant.segment));
}

/**
 * Why an account cannot sign in through this tenant segment, in Microsoft's words, or undefined
 * when it can. `/organizations` turns personal accounts away and `/consumers` work accounts
 * (AADSTS500208); a tenant id turns away accounts from other directories (AADSTS50020).
 */
export function tenantRefusal(
  account: Account,
  tenant: Tenant,
  app: { clientId: string; displayName?: string },
): { code: number; message: string } | undefined {
  if (accountAllowedForTenant(account, tenant.segment)) return undefined;
  const email = account.mail ?? account.userPrincipalName;
  if (tenant.segment === "organizations") {
    return {
      code: 500208,
      message: `The domain is not a valid login domain for the account type. You can't sign in here with a personal account ('${email}'). Use your work or school account instead.`,
    };
  }
  if (tenant.segment === "consumers") {
    return {
      code: 500208,
      message: `The domain is not a valid login domain for the account type. You can't sign in here with a work or school account ('${email}'). Use your personal Microsoft account instead.`,
    };
  }
  const idp = account.kind === "personal" ? "live.com" : `https://sts.windows.net/${account.tenantId}/`;
  return {
    code: 50020,
    message: `User account '${email}' from identity provider '${idp}' does not exist in tenant '${tenant.segment}' and cannot access the application '${app.clientId}'(${app.displayName ?? app.clientId}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
  };
}
