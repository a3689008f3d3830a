import type { BrokerConfig } from "./config.ts";
import { type FerryDb, migrateToLatest, openDatabase } from "./db.ts";
import { loadMasterKeys, type MasterKey } from "./masterKeys.ts";

export interface BrokerStore {
  db: FerryDb;
  /** Newest first, as FERRY_MASTER_KEY lists them; pass to rotateVault for `ferry keys rotate-master`. */
  keys: readonly MasterKey[];
  /** Set when opening generated the embedded master key, so the CLI can say where it is. */
  generatedMasterKeyFile: string | undefined;
  close(): Promise<void>;
}

/**
 * The broker's database, migrated, and its master keys, for the CLI's direct commands (`ferry users create`,
 * `ferry keys create|list|revoke`, `ferry keys rotate-master`, login links), which work on the database without a
 * running broker: with createUser, createApiKey, listApiKeys, revokeApiKey, createLoginLink + loginLinkUrl and
 * rotateVault.
 */
export async function openBrokerStore(config: BrokerConfig): Promise<BrokerStore> {
  const { keys, generated, keyFile } = await loadMasterKeys(config);
  const db = await openDatabase(config.database, { poolSize: 2 });
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { db, keys, generatedMasterKeyFile: generated ? keyFile : undefined, close: () => db.close() };
}
