import { sql } from "kysely";
import type { FerryDb } from "./db.ts";
import type { MasterKey } from "./masterKeys.ts";
import { ENCRYPTED_COLUMNS, type EncryptedTable } from "./schema.ts";
import { Vault, type VaultField } from "./vault.ts";

export interface RotationResult {
  /** Values re-encrypted under the newest key. */
  rotated: number;
  /** Values that were already under the newest key. */
  current: number;
}

const BATCH = 200;

/**
 * Re-encrypts every vault value under the newest of `keys` (newest first, as in FERRY_MASTER_KEY). Safe while
 * brokers keep serving: each value is swapped only if it is still the one that was read, so a token refreshed
 * meanwhile is not overwritten. Run it after every instance has restarted with the new key list; afterwards the
 * old key can be dropped. A value under a key not in `keys` stops the run with the vault's unknown-key error.
 */
export async function rotateVault(db: FerryDb, keys: readonly MasterKey[]): Promise<RotationResult> {
  const vault = new Vault(keys);
  const result: RotationResult = { rotated: 0, current: 0 };
  for (const table of Object.keys(ENCRYPTED_COLUMNS) as EncryptedTable[]) {
    for (const column of ENCRYPTED_COLUMNS[table]) {
      await rotateColumn(db, vault, { table, column } as Omit<VaultField, "rowId">, result);
    }
  }
  return result;
}

// Raw SQL because table and column vary here; sql.table and sql.ref quote them as identifiers, and they come
// from ENCRYPTED_COLUMNS, never from input.

async function rotateColumn(
  db: FerryDb,
  vault: Vault,
  where: Omit<VaultField, "rowId">,
  result: RotationResult,
): Promise<void> {
  let after = "";
  for (;;) {
    // Keyset pagination: stable while rows are added or deleted, and no OFFSET scan on large tables.
    const { rows } = await sql<{ id: string; value: string }>`
      select id, ${sql.ref(where.column)} as value from ${sql.table(where.table)}
      where ${sql.ref(where.column)} is not null and id > ${after}
      order by id limit ${BATCH}`.execute(db.kysely);
    for (const row of rows) {
      await rotateValue(db, vault, { ...where, rowId: row.id } as VaultField, row.value, result);
      after = row.id;
    }
    if (rows.length < BATCH) return;
  }
}

async function rotateValue(
  db: FerryDb,
  vault: Vault,
  field: VaultField,
  initial: string,
  result: RotationResult,
): Promise<void> {
  const table = sql.table(field.table);
  const column = sql.ref(field.column);
  let value: string | undefined = initial;
  while (value !== undefined) {
    if (!vault.needsRotation(value)) {
      result.current++;
      return;
    }
    const fresh = vault.encrypt(vault.decrypt(value, field), field);
    const swap = await sql`
      update ${table} set ${column} = ${fresh} where id = ${field.rowId} and ${column} = ${value}`.execute(
      db.kysely,
    );
    if (swap.numAffectedRows === 1n) {
      result.rotated++;
      return;
    }
    // Someone wrote this value between our read and our swap: look again at what is there now.
    const { rows } = await sql<{ value: string | null }>`
      select ${column} as value from ${table} where id = ${field.rowId}`.execute(db.kysely);
    value = rows[0]?.value ?? undefined;
  }
}
