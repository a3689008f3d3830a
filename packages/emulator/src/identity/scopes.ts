import { IdentityFault } from "./identityError.ts";
import { GRAPH_SCOPES } from "./tokenIssuer.ts";

/** OpenID Connect scopes: they ask for sign-in and a refresh token, not for Graph permissions. */
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"];

/** Graph is the only resource the emulator serves; Microsoft accepts its scopes with or without this prefix. */
const GRAPH_RESOURCE = "https://graph.microsoft.com/";

/** What the consent page says for each permission, in the plain words a person reads there. */
export const SCOPE_WORDS: Record<string, string> = {
  "Files.Read": "Read your files",
  "Files.ReadWrite": "Have full access to your files",
  "Files.Read.All": "Read all files that you can access",
  "Files.ReadWrite.All": "Have full access to all files you can access",
  "User.Read": "Sign you in and read your profile",
  "User.ReadWrite": "Read and update your profile",
  openid: "Sign you in",
  profile: "View your basic profile",
  email: "View your email address",
  offline_access: "Maintain access to data you have given it access to",
};

/**
 * Parses a space-separated `scope` parameter into Microsoft's canonical spellings. Scope names are
 * case-insensitive on the wire (`files.readwrite` works), so each is mapped back to the documented
 * case; anything that is neither a Graph permission nor an OIDC scope is AADSTS70011.
 */
export function parseScopes(raw: string): string[] {
  const out: string[] = [];
  for (const token of raw.split(/\s+/).filter(Boolean)) {
    const name = token.toLowerCase().startsWith(GRAPH_RESOURCE) ? token.slice(GRAPH_RESOURCE.length) : token;
    const canonical = [...GRAPH_SCOPES, ...OIDC_SCOPES].find((s) => s.toLowerCase() === name.toLowerCase());
    if (!canonical) {
      throw new IdentityFault(
        400,
        "invalid_scope",
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope '${token}' does not exist.`,
      );
    }
    if (!out.includes(canonical)) out.push(canonical);
  }
  return out;
}

export function graphScopesOf(scopes: readonly string[]): string[] {
  return scopes.filter((s) => GRAPH_SCOPES.includes(s));
}

/**
 * The `scope` of a token response: the Graph permissions the access token carries, then the OIDC
 * scopes that were asked for. Microsoft lists neither the resource prefix nor `offline_access`.
 */
export function responseScope(grantScopes: readonly string[], requested: readonly string[]): string {
  const oidc = ["profile", "openid", "email"].filter((s) => requested.includes(s));
  return [...graphScopesOf(grantScopes), ...oidc].join(" ");
}
