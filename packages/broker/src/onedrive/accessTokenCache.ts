/** What a mint hands out. */
export interface MintedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  scope: string;
  account: { email: string | null; name: string | null };
}

interface Entry {
  token: MintedToken;
  cachedAt: number;
  /** When Microsoft issued the token (epoch ms), which with expiresAt gives its lifetime. */
  issuedAt: number;
}

/**
 * How much life a token must have left to be handed out: `capMs`, or a quarter of its lifetime when that is
 * shorter. Tenants can shorten token lifetimes by policy, and the emulator's --token-lifetime 20 does the same;
 * asking five minutes of a 20-second token would refresh at Microsoft on every single mint.
 */
export function requiredValidityMs(issuedAt: number, expiresAt: number, capMs: number): number {
  return Math.min(capMs, Math.max(0, expiresAt - issuedAt) / 4);
}

const MAX_ENTRIES = 10_000;

/**
 * Decrypted access tokens per user, kept for a short TTL so a hot mint path skips the database read and the
 * decryption. The TTL bounds how stale a cached answer can be on an instance that did not see a change itself: a
 * disconnect or reconnect made through another instance shows here within `ttlMs` (this instance's own changes
 * drop the entry at once). What is served meanwhile is still a valid token for the account that was connected.
 */
export class AccessTokenCache {
  readonly #entries = new Map<string, Entry>();
  constructor(private readonly ttlMs: number) {}

  /** The cached token, if the TTL has not passed and it has `minValidityMs` (or a quarter of its lifetime) left. */
  get(userId: string, now: number, minValidityMs: number): MintedToken | undefined {
    const entry = this.#entries.get(userId);
    if (entry === undefined) return undefined;
    const required = requiredValidityMs(entry.issuedAt, entry.token.expiresAt, minValidityMs);
    if (now - entry.cachedAt >= this.ttlMs || entry.token.expiresAt - now <= required) {
      this.#entries.delete(userId);
      return undefined;
    }
    return entry.token;
  }

  set(userId: string, token: MintedToken, now: number, issuedAt: number): void {
    if (this.ttlMs <= 0) return;
    this.#entries.delete(userId);
    if (this.#entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order, so the first key is the least recently stored.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(userId, { token, cachedAt: now, issuedAt });
  }

  forget(userId: string): void {
    this.#entries.delete(userId);
  }
}
