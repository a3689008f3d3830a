import { createHash } from "node:crypto";
import type { AppRegistration } from "../options.ts";
import type { AccessClaims } from "./accessToken.ts";
import type { ChallengeMethod } from "./pkce.ts";

/**
 * A consent grant: one account's consent to one app for a set of scopes. Refresh tokens and
 * access tokens hang off a grant; revoking the grant kills them all.
 */
export interface Grant {
  id: string;
  accountId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  revokedAt?: number;
}

/** An authorization code handed out by `/authorize`, waiting to be redeemed once at `/token`. */
export interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  accountId: string;
  grantId: string;
  /** The scopes asked for at `/authorize`, canonical spelling, OIDC scopes included. */
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: ChallengeMethod;
  nonce?: string;
  issuedAt: number;
  expiresAt: number;
  /** Set on the first successful redemption; a second one is AADSTS54005. */
  redeemedAt?: number;
}

/** One refresh token. Every redemption adds a new one; the old ones stay valid (Microsoft does not rotate them out). */
export interface RefreshTokenRecord {
  grantId: string;
  clientId: string;
  accountId: string;
  /** The sign-in's OIDC scopes (`openid`, `profile`, `email`), to know whether a refresh returns an id_token. */
  oidcScopes: string[];
  issuedAt: number;
}

/** A device authorization (RFC 8628) between `/devicecode` and the device's successful poll. */
export interface DeviceAuthorization {
  userCode: string;
  clientId: string;
  /** The `{tenant}` segment it was started under: the accounts allowed to approve it depend on it. */
  tenant: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  status: "pending" | "approved" | "declined";
  accountId?: string;
  grantId?: string;
  /** Emulator-clock time of the last poll, for `slow_down`. */
  lastPollAt?: number;
}

/**
 * Codes and tokens are stored under a hash of their value, so the state snapshot on disk holds
 * nothing a client could present.
 */
export function secretKey(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** How long redeemed or expired entries are kept, so a late replay still gets its precise error. */
const CODE_RETENTION_MS = 24 * 3600_000;
const REFRESH_RETENTION_MS = 120 * 24 * 3600_000;

/** Identity-platform state: apps, grants and refresh tokens, plus the "expire everything" horizon. */
export class IdentityStore {
  readonly apps = new Map<string, AppRegistration>();
  readonly grants = new Map<string, Grant>();
  /** Authorization codes by `secretKey(code)`. Short-lived, so not part of the snapshot. */
  readonly codes = new Map<string, AuthorizationCode>();
  /** Refresh tokens by `secretKey(token)`. Saved in the snapshot: they must survive a restart. */
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** Device authorizations by `secretKey(device_code)`. */
  readonly deviceAuthorizations = new Map<string, DeviceAuthorization>();
  /** PKCS#8 PEM of the RS256 key that signs id_tokens; created on first use and saved. */
  idTokenKeyPem: string | undefined;
  /** Every minted access token takes the next number; tokens below `minTokenSeq` are rejected. */
  tokenSeq = 0;
  /** Set by the admin "expire all access tokens now". */
  minTokenSeq = 0;

  constructor(apps: AppRegistration[]) {
    for (const app of apps) this.apps.set(app.clientId, app);
  }

  isRevoked = (claims: AccessClaims): boolean => {
    if (claims.seq < this.minTokenSeq) return true;
    const grant = this.grants.get(claims.gid);
    return !grant || grant.revokedAt !== undefined;
  };

  /** Revokes every grant of an account, as a password reset or "revoke sessions" would. */
  revokeAccount(accountId: string, nowMs: number): number {
    let n = 0;
    for (const g of this.grants.values()) {
      if (g.accountId === accountId && g.revokedAt === undefined) {
        g.revokedAt = nowMs;
        n++;
      }
    }
    return n;
  }

  nextTokenSeq(): number {
    return ++this.tokenSeq;
  }

  expireAccessTokens(): void {
    this.minTokenSeq = this.tokenSeq + 1;
  }

  private lastPruneAt = Number.NEGATIVE_INFINITY;

  /**
   * Drops entries too old to matter; called whenever a new code or token is stored, but sweeps at
   * most once a minute so that a client refreshing in a tight loop does not pay for the whole map.
   */
  prune(nowMs: number): void {
    if (Math.abs(nowMs - this.lastPruneAt) < 60_000) return;
    this.lastPruneAt = nowMs;
    for (const [k, c] of this.codes) if (c.expiresAt + CODE_RETENTION_MS < nowMs) this.codes.delete(k);
    for (const [k, d] of this.deviceAuthorizations) {
      if (d.expiresAt + CODE_RETENTION_MS < nowMs) this.deviceAuthorizations.delete(k);
    }
    for (const [k, r] of this.refreshTokens) {
      if (r.issuedAt + REFRESH_RETENTION_MS < nowMs) this.refreshTokens.delete(k);
    }
  }

  /** Plain data for the state snapshot. Apps come from options, so they are not saved. */
  toJSON() {
    return {
      grants: [...this.grants.values()],
      tokenSeq: this.tokenSeq,
      minTokenSeq: this.minTokenSeq,
      refreshTokens: [...this.refreshTokens],
      idTokenKeyPem: this.idTokenKeyPem,
    };
  }

  restore(s: Partial<ReturnType<IdentityStore["toJSON"]>>): void {
    this.grants.clear();
    for (const g of s.grants ?? []) this.grants.set(g.id, g);
    this.tokenSeq = s.tokenSeq ?? 0;
    this.minTokenSeq = s.minTokenSeq ?? 0;
    this.refreshTokens.clear();
    for (const [k, r] of s.refreshTokens ?? []) this.refreshTokens.set(k, r);
    this.codes.clear();
    this.deviceAuthorizations.clear();
    this.idTokenKeyPem = s.idTokenKeyPem;
  }
}
