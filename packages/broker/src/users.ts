import { randomUUID } from "node:crypto";
import { recordAudit } from "./audit.ts";
import { bumpCredentialEpoch } from "./credentialEpoch.ts";
import { type FerryDb, isUniqueViolation } from "./db.ts";
import type { UserRow } from "./schema.ts";

export interface User {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: number;
  /** When `ferry users disable` disabled the user; null while enabled. */
  disabledAt: number | null;
}

export class UserExistsError extends Error {
  override name = "UserExistsError";
  constructor(readonly userName: string) {
    super(`a user named "${userName}" already exists; pick another name`);
  }
}

export class InvalidUserNameError extends Error {
  override name = "InvalidUserNameError";
  constructor() {
    super(
      "a user name is 1 to 64 characters: letters, digits, and . _ @ - (an email address works), starting with a letter or digit",
    );
  }
}

// Names show up in CLI output, URLs and logs, so they are kept to characters that need no quoting anywhere.
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export async function createUser(db: FerryDb, input: { name: string; isAdmin?: boolean }): Promise<User> {
  if (!USER_NAME_PATTERN.test(input.name)) throw new InvalidUserNameError();
  const row: UserRow = {
    id: randomUUID(),
    name: input.name,
    is_admin: input.isAdmin ? 1 : 0,
    created_at: Date.now(),
    disabled_at: null,
  };
  try {
    await db.kysely.insertInto("users").values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserExistsError(input.name);
    throw error;
  }
  await recordAudit(db, {
    userId: row.id,
    action: "user.created",
    detail: { name: row.name, isAdmin: !!row.is_admin },
  });
  return toUser(row);
}

export async function getUser(db: FerryDb, id: string): Promise<User | undefined> {
  const row = await db.kysely.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toUser(row);
}

export async function getUserByName(db: FerryDb, name: string): Promise<User | undefined> {
  const row = await db.kysely.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  return row && toUser(row);
}

/** Oldest first, so the first admin created at setup leads the list. */
export async function listUsers(db: FerryDb): Promise<User[]> {
  const rows = await db.kysely
    .selectFrom("users")
    .selectAll()
    .orderBy("created_at")
    .orderBy("name")
    .execute();
  return rows.map(toUser);
}

/**
 * Disables a user at once, on every broker instance (each request reads the user and key rows): every API key is
 * revoked, every web session and unused login link ends, and sign-ins in progress are dropped, so nothing the
 * user holds keeps working. The OneDrive connection stays stored (an admin may enable the user again); while the
 * user is disabled nothing can mint from it. False if the user was already disabled.
 */
export async function disableUser(db: FerryDb, userId: string): Promise<boolean> {
  const now = Date.now();
  const changed = await db.kysely.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("users")
      .set({ disabled_at: now })
      .where("id", "=", userId)
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return false;
    await trx
      .updateTable("api_keys")
      .set({ revoked_at: now })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
    await bumpCredentialEpoch(trx);
    await trx.deleteFrom("sessions").where("user_id", "=", userId).execute();
    await trx.deleteFrom("login_links").where("user_id", "=", userId).execute();
    // Finished device sign-ins keep their outcome; everything still pending (and any held, unconfirmed tokens) goes.
    await trx
      .deleteFrom("oauth_states")
      .where("user_id", "=", userId)
      .where((eb) => eb.or([eb("used_at", "is", null), eb("pending_enc", "is not", null)]))
      .execute();
    return true;
  });
  if (changed) await recordAudit(db, { userId, action: "user.disabled" });
  return changed;
}

/** Lets a disabled user sign in again (with a new login link or API key: the old ones stay revoked). */
export async function enableUser(db: FerryDb, userId: string): Promise<boolean> {
  const result = await db.kysely
    .updateTable("users")
    .set({ disabled_at: null })
    .where("id", "=", userId)
    .where("disabled_at", "is not", null)
    .executeTakeFirst();
  const changed = result.numUpdatedRows === 1n;
  if (changed) await recordAudit(db, { userId, action: "user.enabled" });
  return changed;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    isAdmin: row.is_admin === 1,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}
