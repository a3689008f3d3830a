import { randomUUID } from "node:crypto";
import { recordAudit } from "./audit.ts";
import type { FerryDb } from "./db.ts";
import { hashToken, isWellFormedToken, randomToken } from "./tokens.ts";

// A login link carries a one-time token that starts a web session. Only its hash is stored, and it is looked up
// by that hash: timing differences in the index lookup can at most reveal bits of a SHA-256 digest, which gives
// no way to build a token that matches it.

export const LOGIN_LINK_TTL_MS = 15 * 60_000;

export interface CreatedLoginLink {
  /** Goes into the link once; it cannot be recovered afterwards. */
  token: string;
  expiresAt: number;
}

export async function createLoginLink(
  db: FerryDb,
  input: { userId: string; ttlMs?: number },
): Promise<CreatedLoginLink> {
  const token = randomToken();
  const now = Date.now();
  const expiresAt = now + (input.ttlMs ?? LOGIN_LINK_TTL_MS);
  await db.kysely
    .insertInto("login_links")
    .values({
      id: randomUUID(),
      user_id: input.userId,
      token_hash: hashToken(token),
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt };
}

/** True while the link can still be redeemed; uses nothing up. */
export async function isLoginLinkUsable(db: FerryDb, token: string): Promise<boolean> {
  if (!isWellFormedToken(token)) return false;
  const row = await db.kysely
    .selectFrom("login_links")
    .select("id")
    .where("token_hash", "=", hashToken(token))
    .where("used_at", "is", null)
    .where("expires_at", ">", Date.now())
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Uses up a login link and returns whose it was; undefined if unknown, expired or already used. Checking and
 * marking happen in one UPDATE, so two simultaneous redemptions cannot both succeed.
 */
export async function redeemLoginLink(db: FerryDb, token: string): Promise<{ userId: string } | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const now = Date.now();
  const row = await db.kysely
    .updateTable("login_links")
    .set({ used_at: now })
    .where("token_hash", "=", hashToken(token))
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning("user_id")
    .executeTakeFirst();
  if (row === undefined) return undefined;
  await recordAudit(db, { userId: row.user_id, action: "login_link.redeemed" });
  return { userId: row.user_id };
}

/** Deletes used and expired links: they can never be redeemed and only take space. */
export async function purgeSpentLoginLinks(db: FerryDb): Promise<number> {
  const result = await db.kysely
    .deleteFrom("login_links")
    .where((eb) => eb.or([eb("expires_at", "<=", Date.now()), eb("used_at", "is not", null)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
