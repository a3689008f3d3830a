import { randomUUID } from "node:crypto";
import { recordAudit } from "./audit.ts";
import { type FerryDb, isUniqueViolation } from "./db.ts";
import type { UserRow } from "./schema.ts";

export interface User {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: number;
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

function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, isAdmin: row.is_admin === 1, createdAt: row.created_at };
}
