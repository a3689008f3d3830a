import { type ApiKey, verifyApiKey } from "../apiKeys.ts";
import { readCredentialEpoch } from "../credentialEpoch.ts";
import type { FerryDb } from "../db.ts";
import { digestsEqual, hashToken } from "../tokens.ts";
import type { User } from "../users.ts";

const KEY_SHAPE = /^fry_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const MAX_REMEMBERED = 10_000;

interface Remembered {
  secretHash: string;
  user: User;
  apiKey: ApiKey;
  /** The credential epoch read before the key was verified. */
  epoch: number;
  until: number;
}

/**
 * verifyApiKey with a memory of keys that verified, so a job minting thousands of times a second costs a SHA-256 and
 * a constant-time comparison per request instead of a key lookup each. The memory never outlives a revocation:
 * each entry holds the credential epoch read before its key was verified, and each request reads the epoch afresh
 * (credentialEpoch.ts) and trusts the entry only if it has not moved. That read is shared: every request waits for
 * a read that started after it arrived (joining the next one while one is under way), so the database sees about
 * one small read per round trip however many requests come, and a request that arrives after a revocation
 * committed always sees it. Entries also lapse after `memoryMs`, so the key's last-use stamp stays current.
 */
export class ApiKeyVerifier {
  readonly #remembered = new Map<string, Remembered>();
  #current: Promise<number> | undefined;
  #next: Promise<number> | undefined;

  constructor(
    private readonly db: FerryDb,
    private readonly memoryMs: number,
  ) {}

  async verify(presented: string): Promise<{ user: User; apiKey: ApiKey } | undefined> {
    const match = KEY_SHAPE.exec(presented);
    if (match === null || this.memoryMs <= 0) return verifyApiKey(this.db, presented);
    const [, keyId = "", secret = ""] = match;
    const epoch = await this.#freshEpoch();
    const known = this.#remembered.get(keyId);
    const now = Date.now();
    if (known !== undefined && known.epoch === epoch && known.until > now) {
      return digestsEqual(hashToken(secret), known.secretHash)
        ? { user: known.user, apiKey: known.apiKey }
        : undefined;
    }
    const verified = await verifyApiKey(this.db, presented);
    if (verified === undefined) {
      this.#remembered.delete(keyId);
      return undefined;
    }
    if (this.#remembered.size >= MAX_REMEMBERED) this.#remembered.clear();
    this.#remembered.set(keyId, {
      secretHash: hashToken(secret),
      ...verified,
      epoch,
      until: now + this.memoryMs,
    });
    return verified;
  }

  /** The epoch from a read that started after this call: the one starting now, or the one after the read under way. */
  #freshEpoch(): Promise<number> {
    if (this.#current === undefined) {
      this.#current = this.#read();
      return this.#current;
    }
    this.#next ??= this.#current.then(
      () => this.#promoteNext(),
      () => this.#promoteNext(),
    );
    return this.#next;
  }

  #promoteNext(): Promise<number> {
    this.#next = undefined;
    this.#current = this.#read();
    return this.#current;
  }

  #read(): Promise<number> {
    const reading = readCredentialEpoch(this.db);
    const done = () => {
      if (this.#current === reading) this.#current = undefined;
    };
    reading.then(done, done);
    return reading;
  }
}
