import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { FerryDb } from "./db.ts";
import { hashToken, isWellFormedToken, randomToken } from "./tokens.ts";

// A web session is a random token in an HttpOnly cookie, stored only as its hash (looked up by hash, as login
// links are). Its CSRF token is derived from the session token with an HMAC rather than stored: the page can
// be handed it on every load, it dies with the session, and a cross-site page, which cannot read the cookie,
// cannot compute it.

export const SESSION_TTL_MS = 24 * 60 * 60_000;
const CSRF_LABEL = "ferry/v1/csrf";

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface CreatedSession {
  session: Session;
  /** The cookie value. Only its hash is stored. */
  token: string;
  /** For the page to send back on state-changing requests; csrfTokenFor(token) gives it again later. */
  csrfToken: string;
}

export async function createSession(
  db: FerryDb,
  input: { userId: string; ttlMs?: number },
): Promise<CreatedSession> {
  const token = randomToken();
  const now = Date.now();
  const session: Session = {
    id: randomUUID(),
    userId: input.userId,
    createdAt: now,
    expiresAt: now + (input.ttlMs ?? SESSION_TTL_MS),
  };
  await db.kysely
    .insertInto("sessions")
    .values({
      id: session.id,
      user_id: session.userId,
      token_hash: hashToken(token),
      created_at: session.createdAt,
      expires_at: session.expiresAt,
    })
    .execute();
  return { session, token, csrfToken: csrfTokenFor(token) };
}

/**
 * The live session for a cookie value; undefined if unknown, ended, expired, or its user is disabled. Read on
 * every request, so ending a session (`ferry sessions revoke`, logout, disabling the user) takes effect at once
 * on every instance.
 */
export async function getSession(db: FerryDb, token: string): Promise<Session | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const row = await db.kysely
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .selectAll("sessions")
    .where("sessions.token_hash", "=", hashToken(token))
    .where("sessions.expires_at", ">", Date.now())
    .where("users.disabled_at", "is", null)
    .executeTakeFirst();
  return row && { id: row.id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
}

/** Logs out: the cookie value stops working at once. */
export async function endSession(db: FerryDb, token: string): Promise<void> {
  if (!isWellFormedToken(token)) return;
  await db.kysely.deleteFrom("sessions").where("token_hash", "=", hashToken(token)).execute();
}

/** Ends every session of a user, e.g. when an admin suspects a stolen cookie. */
export async function endUserSessions(db: FerryDb, userId: string): Promise<number> {
  const result = await db.kysely.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes expired sessions: they can never be used again and only take space. */
export async function purgeExpiredSessions(db: FerryDb): Promise<number> {
  const result = await db.kysely
    .deleteFrom("sessions")
    .where("expires_at", "<=", Date.now())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function csrfTokenFor(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update(CSRF_LABEL).digest("base64url");
}

/** Constant-time check of the CSRF token a state-changing request carries against its session cookie. */
export function verifyCsrfToken(sessionToken: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken), "utf8");
  const actual = Buffer.from(presented, "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
