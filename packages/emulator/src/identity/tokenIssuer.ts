import type { Account } from "../accounts.ts";
import { guid } from "../secrets.ts";
import type { EmulatorState } from "../state.ts";
import { type AccessClaims, mintAccessToken } from "./accessToken.ts";
import type { Grant } from "./identityStore.ts";

/** Scopes granted for Graph, in Microsoft's spelling, without the resource prefix. */
export const GRAPH_SCOPES = [
  "Files.Read",
  "Files.ReadWrite",
  "Files.Read.All",
  "Files.ReadWrite.All",
  "User.Read",
  "User.ReadWrite",
];

/** Creates a consent grant, or returns the account's live grant for this app. */
export function grantFor(state: EmulatorState, account: Account, clientId: string, scopes: string[]): Grant {
  for (const g of state.identity.grants.values()) {
    if (g.accountId === account.id && g.clientId === clientId && g.revokedAt === undefined) {
      const merged = [...new Set([...g.scopes, ...scopes])];
      if (merged.length !== g.scopes.length) {
        g.scopes = merged;
        state.markDirty();
      }
      return g;
    }
  }
  const grant: Grant = { id: guid(), accountId: account.id, clientId, scopes, createdAt: state.clock.now() };
  state.identity.grants.set(grant.id, grant);
  state.markDirty();
  return grant;
}

/** Mints an access token for a grant, valid for the configured token lifetime. */
export function mintForGrant(
  state: EmulatorState,
  grant: Grant,
  account: Account,
): { accessToken: string; expiresIn: number } {
  const now = Math.floor(state.clock.now() / 1000);
  const expiresIn = state.options.tokenLifetime;
  const claims: AccessClaims = {
    oid: account.id,
    tid: account.tenantId,
    scp: grant.scopes.filter((s) => GRAPH_SCOPES.includes(s)),
    gid: grant.id,
    appid: grant.clientId,
    iat: now,
    exp: now + expiresIn,
    seq: state.identity.nextTokenSeq(),
  };
  state.markDirty();
  return { accessToken: mintAccessToken(state.signer, claims), expiresIn };
}

/**
 * Whether the account already consented to all these scopes for the app. Microsoft shows its
 * consent page only for permissions not yet granted, unless the app sends `prompt=consent`.
 */
export function consentCovers(
  state: EmulatorState,
  account: Account,
  clientId: string,
  scopes: string[],
): boolean {
  for (const g of state.identity.grants.values()) {
    if (g.accountId === account.id && g.clientId === clientId && g.revokedAt === undefined) {
      return scopes.every((s) => g.scopes.includes(s));
    }
  }
  return false;
}
