import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from "node:crypto";
import { type Account, objectIdOf } from "../accounts.ts";
import type { EmulatorState } from "../state.ts";

/**
 * id_tokens are real RS256 JWTs with their key published at `jwks_uri`, so an OpenID Connect
 * library validates them exactly as it would Microsoft's. The key pair is made on first use and
 * kept in the snapshot, so tokens issued before a restart still verify against the key set.
 */
interface SigningKey {
  pem: string;
  privateKey: KeyObject;
  kid: string;
  jwk: { kty: string; n: string; e: string };
}

const cache = new WeakMap<EmulatorState, SigningKey>();

function signingKey(state: EmulatorState): SigningKey {
  const cached = cache.get(state);
  // A restored snapshot (or an admin reset) may bring another key: the cache follows the store.
  if (cached && cached.pem === state.identity.idTokenKeyPem) return cached;
  if (!state.identity.idTokenKeyPem) {
    // Made once per data directory; generation takes a moment, which only the first openid sign-in pays.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    state.identity.idTokenKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    state.markDirty();
  }
  const pem = state.identity.idTokenKeyPem;
  const privateKey = createPrivateKey(pem);
  const jwk = createPublicKey(privateKey).export({ format: "jwk" }) as { kty: string; n: string; e: string };
  // Microsoft's kid is the certificate thumbprint; a thumbprint of the public key plays that part.
  const kid = createHash("sha1").update(`${jwk.e}.${jwk.n}`).digest("base64url");
  const key = { pem, privateKey, kid, jwk: { kty: jwk.kty, n: jwk.n, e: jwk.e } };
  cache.set(state, key);
  return key;
}

/** The key set served at `/{tenant}/discovery/v2.0/keys`. */
export function jwks(state: EmulatorState, issuer: string) {
  const { kid, jwk } = signingKey(state);
  return { keys: [{ kty: jwk.kty, use: "sig", kid, x5t: kid, n: jwk.n, e: jwk.e, issuer }] };
}

/**
 * The issuer of tokens for an account: its own directory, whichever `{tenant}` alias was used, on
 * the origin the token request was addressed to (the one the discovery document named).
 */
export function issuerFor(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

/**
 * A v2.0 id_token for `account`. `sub` is pairwise (per app), as Microsoft's is; `oid` is the same
 * for every app and, like `name` and `preferred_username`, needs the `profile` scope ("Because the
 * oid allows multiple apps to correlate users, the profile scope is required to receive this
 * claim", ID token claims reference). `email` only appears when the `email` scope was granted and
 * the account has one.
 */
export function mintIdToken(
  state: EmulatorState,
  origin: string,
  account: Account,
  clientId: string,
  oidcScopes: readonly string[],
  nonce: string | undefined,
): string {
  const key = signingKey(state);
  const now = Math.floor(state.clock.now() / 1000);
  const claims: Record<string, unknown> = {
    ver: "2.0",
    iss: issuerFor(origin, account.tenantId),
    sub: createHash("sha256").update(`${account.id}|${clientId}`).digest("base64url").slice(0, 43),
    aud: clientId,
    exp: now + 3600,
    iat: now,
    nbf: now,
    tid: account.tenantId,
    ...(nonce !== undefined ? { nonce } : {}),
  };
  if (oidcScopes.includes("profile")) {
    claims.oid = objectIdOf(account);
    claims.name = account.displayName;
    claims.preferred_username = account.userPrincipalName;
  }
  if (oidcScopes.includes("email") && account.mail) claims.email = account.mail;
  const header = { typ: "JWT", alg: "RS256", kid: key.kid };
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign("sha256", Buffer.from(input), key.privateKey).toString("base64url")}`;
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
