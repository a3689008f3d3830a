/**
 * The test accounts. Their shapes follow what Graph returns for each kind of account: personal
 * (Microsoft account, `driveType: personal`, often `mail: null`, a 16-hex-digit id) and work or
 * school (Entra ID, `driveType: business`, a GUID id, a tenant of its own).
 */
export type AccountKind = "personal" | "work";

export interface Account {
  /** Short key used by the admin API, auto-consent and the sign-in page. */
  key: string;
  kind: AccountKind;
  id: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string | null;
  userPrincipalName: string;
  tenantId: string;
  driveId: string;
  /** Drive quota in bytes. */
  quotaTotal: number;
}

/** Microsoft's fixed tenant id for personal Microsoft accounts. */
export const CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";
/** The emulated work/school tenant ("Contoso"). */
export const CONTOSO_TENANT_ID = "72f988bf-0000-4c2a-8d3e-c0ffee5a1e55";

const TiB = 1024 ** 4;

export const ACCOUNTS: readonly Account[] = [
  {
    key: "personal",
    kind: "personal",
    id: "4c5d9e8f1a2b3c6d",
    displayName: "Ada Lovelace",
    givenName: "Ada",
    surname: "Lovelace",
    mail: null,
    userPrincipalName: "ada.lovelace@outlook.example",
    tenantId: CONSUMERS_TENANT_ID,
    driveId: "4c5d9e8f1a2b3c6d",
    quotaTotal: TiB,
  },
  {
    key: "work",
    kind: "work",
    id: "8b1d2f3e-4a5c-4e6f-9a0b-1c2d3e4f5a6b",
    displayName: "Grace Hopper",
    givenName: "Grace",
    surname: "Hopper",
    mail: "grace.hopper@contoso.example",
    userPrincipalName: "grace.hopper@contoso.example",
    tenantId: CONTOSO_TENANT_ID,
    driveId: "b!x7Jk2mQ9WUu3f0Zc1Hn4oT8aVbR6sLpE5yGdN0iKqMwC2uX9eF1zA3hJ7tY4vB8n",
    quotaTotal: TiB,
  },
  {
    key: "personal2",
    kind: "personal",
    id: "9e8d7c6b5a4f3e2d",
    displayName: "Alan Turing",
    givenName: "Alan",
    surname: "Turing",
    mail: "alan.turing@outlook.example",
    userPrincipalName: "alan.turing@outlook.example",
    tenantId: CONSUMERS_TENANT_ID,
    driveId: "9e8d7c6b5a4f3e2d",
    quotaTotal: TiB,
  },
];

/**
 * The account's object id in its directory: the `oid` of its id_tokens and the `uid` of the
 * `client_info` MSAL names it by. A work account's is its Graph id. A personal account lives in
 * the consumers directory under a GUID that is its 16-hex-digit Graph id (the Microsoft account's
 * CID) behind sixteen zeros, which is why MSAL's account ids for personal accounts read
 * `00000000-0000-0000-xxxx-xxxxxxxxxxxx.9188040d-6c67-4c5b-b112-36a304b66dad`.
 */
export function objectIdOf(account: Account): string {
  return account.kind === "personal"
    ? `00000000-0000-0000-${account.id.slice(0, 4)}-${account.id.slice(4)}`
    : account.id;
}

export function accountByKey(key: string): Account | undefined {
  return ACCOUNTS.find((a) => a.key === key);
}

export function accountById(id: string): Account | undefined {
  return ACCOUNTS.find((a) => a.id === id);
}

export function accountByLoginHint(hint: string): Account | undefined {
  const h = hint.toLowerCase();
  return ACCOUNTS.find(
    (a) => a.userPrincipalName.toLowerCase() === h || a.mail?.toLowerCase() === h || a.key === h,
  );
}

/** Which accounts may sign in through `/{tenant}/…`, as Microsoft's tenant segment rules say. */
export function accountAllowedForTenant(account: Account, tenant: string): boolean {
  switch (tenant.toLowerCase()) {
    case "common":
      return true;
    case "consumers":
      return account.kind === "personal";
    case "organizations":
      return account.kind === "work";
    default:
      return (
        account.tenantId === tenant.toLowerCase() ||
        (tenant === CONSUMERS_TENANT_ID && account.kind === "personal")
      );
  }
}
