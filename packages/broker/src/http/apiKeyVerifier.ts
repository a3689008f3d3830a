import { type ApiKey, verifyApiKey } from "../apiKeys.ts";
import type { FerryDb } from "../db.ts";
import { digestsEqual, hashToken } from "../tokens.ts";
import type { User } from "../users.ts";

const KEY_SHAPE = /^fry_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/**
 * verifyApiKey with a short-lived in-process memory of keys that verified, so a job minting thousands of times a
 * second costs one SHA-256 and one constant-time comparison per request instead of two database reads. Every
 * request is still checked against the key's stored hash. The TTL is how long a key revoked through another
 * instance keeps working here; a revocation through this instance takes effect at once (forget()).
 */
export class ApiKeyVerifier {
  readonly #known = new Map<string, { secretHash: string; user: User; apiKey: ApiKey; until: number }>();

  constructor(
    private readonly db: FerryDb,
    private readonly ttlMs: number,
  ) {}

  async verify(presented: string): Promise<{ user: User; apiKey: ApiKey } | undefined> {
    const match = KEY_SHAPE.exec(presented);
    if (match === null) return undefined;
    const [, keyId = "", secret = ""] = match;
    const now = Date.now();
    const known = this.#known.get(keyId);
    if (known !== undefined && known.until > now) {
      return digestsEqual(hashToken(secret), known.secretHash)
        ? { user: known.user, apiKey: known.apiKey }
        : undefined;
    }
    const verified = await verifyApiKey(this.db, presented);
    if (verified === undefined) {
      this.#known.delete(keyId);
      return undefined;
    }
    if (this.ttlMs > 0) {
      if (this.#known.size >= 10_000) this.#known.clear();
      this.#known.set(keyId, { secretHash: hashToken(secret), ...verified, until: now + this.ttlMs });
    }
    return verified;
  }

  forget(keyId: string): void {
    this.#known.delete(keyId);
  }
}
