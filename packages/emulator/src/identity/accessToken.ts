import type { Signer } from "../secrets.ts";

/**
 * What an emulator access token carries. Graph tokens are opaque to clients (personal-account
 * tokens are not even JWTs), so the emulator only promises that they are bearer strings; inside
 * they are signed claims so that Graph routes can check them without a lookup.
 */
export interface AccessClaims {
  /** Account id (`oid`). */
  oid: string;
  tid: string;
  /** Granted delegated scopes, e.g. `["Files.ReadWrite", "User.Read"]`. */
  scp: string[];
  /** The grant the token was minted from; revoking the grant invalidates it. */
  gid: string;
  appid: string;
  /** Issued-at and expiry, seconds since the epoch on the emulator's clock. */
  iat: number;
  exp: number;
  /** Mint order, so "expire all tokens now" can draw a line that later tokens are past. */
  seq: number;
}

export type AccessCheck =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "revoked" };

const PREFIX = "EwFerry.";

export function mintAccessToken(signer: Signer, claims: AccessClaims): string {
  return PREFIX + signer.sign(claims);
}

/**
 * Checks `Authorization: Bearer …`. `isRevoked` answers for grants revoked through the admin API
 * and for tokens issued before an admin "expire all tokens now".
 */
export function checkAccessToken(
  signer: Signer,
  header: string | undefined,
  nowSeconds: number,
  isRevoked: (claims: AccessClaims) => boolean,
): AccessCheck {
  if (!header) return { ok: false, reason: "missing" };
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m?.[1]?.startsWith(PREFIX)) return { ok: false, reason: "malformed" };
  const claims = signer.verify<AccessClaims>(m[1].slice(PREFIX.length));
  if (!claims) return { ok: false, reason: "malformed" };
  if (claims.exp <= nowSeconds) return { ok: false, reason: "expired" };
  if (isRevoked(claims)) return { ok: false, reason: "revoked" };
  return { ok: true, claims };
}
