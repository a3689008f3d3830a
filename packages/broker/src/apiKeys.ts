import { randomBytes } from "node:crypto";
import { recordAudit } from "./audit.ts";
import { bumpCredentialEpoch } from "./credentialEpoch.ts";
import type { FerryDb } from "./db.ts";
import type { ApiKeyRow } from "./schema.ts";
import { digestsEqual, hashToken, isWellFormedToken, randomToken } from "./tokens.ts";
import type { User } from "./users.ts";

// An API key reads `fry_<keyId>_<secret>`: the prefix makes a leaked key recognisable to secret scanners, the
// key id (hex, so it holds no `_`) finds the row without touching the secret, and only SHA-256(secret) is
// stored (see hashToken for why no slow hash).

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The full key. Shown to its owner once: only its hash is kept, so it cannot be shown again. */
  token: string;
}

export class InvalidKeyNameError extends Error {
  override name = "InvalidKeyNameError";
  constructor() {
    super(
      "an API key name is 1 to 100 characters without control characters, for example the job or machine that will use it",
    );
  }
}

const KEY_PATTERN = /^fry_([0-9a-f]{16})_(.+)$/;
// Stamping last_used_at on every request would turn each read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;
// Compared against when the key id is unknown, so that path does the same hashing and comparing work.
const NO_SUCH_HASH = hashToken(randomToken());

export async function createApiKey(
  db: FerryDb,
  input: { userId: string; name: string },
): Promise<CreatedApiKey> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw new InvalidKeyNameError();
  // PostgreSQL text cannot hold NUL (the insert failed, a 500) and turns a lone surrogate into U+FFFD, so the
  // name would not be stored as given; and a name is printed by `ferry keys list`, where control characters
  // could rewrite the terminal. Refused alike on both databases.
  if (/[\p{Cc}\p{Surrogate}]/u.test(name)) throw new InvalidKeyNameError();
  const secret = randomToken();
  const row: ApiKeyRow = {
    id: randomBytes(8).toString("hex"),
    user_id: input.userId,
    name,
    secret_hash: hashToken(secret),
    created_at: Date.now(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.kysely.insertInto("api_keys").values(row).execute();
  await recordAudit(db, { userId: input.userId, action: "api_key.created", detail: { keyId: row.id, name } });
  return { apiKey: toApiKey(row), token: `fry_${row.id}_${secret}` };
}

/**
 * The user a presented key belongs to, or undefined for a malformed, unknown, wrong or revoked key, or a disabled
 * user. One indexed read of the key joined with its user. The broker's ApiKeyVerifier puts a memory in front of
 * it that a revocation (credentialEpoch.ts) voids at once.
 */
export async function verifyApiKey(
  db: FerryDb,
  presented: string,
): Promise<{ user: User; apiKey: ApiKey } | undefined> {
  const match = KEY_PATTERN.exec(presented);
  if (match === null) return undefined;
  const [, keyId = "", secret = ""] = match;
  const row = await db.kysely
    .selectFrom("api_keys")
    .innerJoin("users", "users.id", "api_keys.user_id")
    .selectAll("api_keys")
    .select([
      "users.name as user_name",
      "users.is_admin as user_is_admin",
      "users.created_at as user_created_at",
      "users.disabled_at as user_disabled_at",
    ])
    .where("api_keys.id", "=", keyId)
    .executeTakeFirst();
  const presentedHash = hashToken(secret);
  const hashMatches = digestsEqual(presentedHash, row?.secret_hash ?? NO_SUCH_HASH);
  if (
    row === undefined ||
    !hashMatches ||
    !isWellFormedToken(secret) ||
    row.revoked_at !== null ||
    row.user_disabled_at !== null
  )
    return undefined;
  const user: User = {
    id: row.user_id,
    name: row.user_name,
    isAdmin: row.user_is_admin === 1,
    createdAt: row.user_created_at,
    disabledAt: row.user_disabled_at,
  };
  const now = Date.now();
  if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_PRECISION_MS) {
    await db.kysely.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", row.id).execute();
    row.last_used_at = now;
  }
  return { user, apiKey: toApiKey(row) };
}

/** Never includes secrets or their hashes. Newest first. */
export async function listApiKeys(db: FerryDb, userId: string): Promise<ApiKey[]> {
  const rows = await db.kysely
    .selectFrom("api_keys")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map(toApiKey);
}

/** Revokes one of `userId`'s keys. False if that user has no such key, or it was already revoked. */
export async function revokeApiKey(db: FerryDb, input: { userId: string; keyId: string }): Promise<boolean> {
  const revoked = await db.kysely.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("api_keys")
      .set({ revoked_at: Date.now() })
      .where("id", "=", input.keyId)
      .where("user_id", "=", input.userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    // Brokers that remember this key as verified stop trusting that memory on their next request.
    await bumpCredentialEpoch(trx);
    return true;
  });
  if (revoked)
    await recordAudit(db, {
      userId: input.userId,
      action: "api_key.revoked",
      detail: { keyId: input.keyId },
    });
  return revoked;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
