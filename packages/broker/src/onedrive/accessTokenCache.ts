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

  get(userId: string, now: number, minValidityMs: number): MintedToken | undefined {
    const entry = this.#entries.get(userId);
    if (entry === undefined) return undefined;
    if (now - entry.cachedAt >= this.ttlMs || entry.token.expiresAt - now <= minValidityMs) {
      this.#entries.delete(userId);
      return undefined;
    }
    return entry.token;
  }

  set(userId: string, token: MintedToken, now: number): void {
    if (this.ttlMs <= 0) return;
    this.#entries.delete(userId);
    if (this.#entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order, so the first key is the least recently stored.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(userId, { token, cachedAt: now });
  }

  forget(userId: string): void {
    this.#entries.delete(userId);
  }
}
