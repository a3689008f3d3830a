import type { Transaction } from "kysely";
import type { FerryDb } from "./db.ts";
import type { Tables } from "./schema.ts";

/**
 * A counter that every API-key revocation (and every disabled user) bumps in its own transaction. A broker may
 * remember that a key verified, but only together with the epoch it read before verifying it; a request trusts that
 * memory only if the epoch, read afresh for it, has not moved. So whoever revokes (any broker instance, or the CLI
 * writing the database directly) is obeyed on the very next request everywhere, at the cost of one tiny read that
 * the requests arriving together share, instead of one key lookup each.
 */
export async function bumpCredentialEpoch(trx: Transaction<Tables>): Promise<void> {
  await trx
    .updateTable("credential_epoch")
    .set((eb) => ({ epoch: eb("epoch", "+", 1) }))
    .where("id", "=", 1)
    .execute();
}

export async function readCredentialEpoch(db: FerryDb): Promise<number> {
  const row = await db.kysely
    .selectFrom("credential_epoch")
    .select("epoch")
    .where("id", "=", 1)
    .executeTakeFirstOrThrow();
  return Number(row.epoch);
}
