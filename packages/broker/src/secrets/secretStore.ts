import { randomUUID } from "node:crypto";
import { recordAudit } from "../audit.ts";
import type { FerryDb } from "../db.ts";
import type { Vault, VaultField } from "../vault.ts";
import { checkSecretName, checkSecretValue, MAX_SECRETS_PER_USER, SecretError } from "./secretRules.ts";

export interface SecretInfo {
  name: string;
  createdAt: number;
  updatedAt: number;
}

/** Who made a change, for the audit trail: the page (a session) or an API key (the CLI, a job). */
export interface SecretActor {
  userId: string;
  via: "session" | "api_key";
  apiKeyId?: string | undefined;
}

function field(rowId: string): VaultField {
  return { table: "secrets", rowId, column: "value_enc" };
}

/**
 * A user's secrets in the vault. Every query is scoped by user id, so one user's name never reaches another's row;
 * the value is encrypted under the newest master key and bound to its row id (the vault's additional data), so a
 * ciphertext copied to another user's row fails to decrypt. Writes and deletes leave an audit event naming the
 * secret and who acted, never the value.
 */
export class SecretStore {
  constructor(
    private readonly db: FerryDb,
    private readonly vault: Vault,
  ) {}

  /** Sorted by name. */
  async list(userId: string): Promise<SecretInfo[]> {
    const rows = await this.db.kysely
      .selectFrom("secrets")
      .select(["name", "created_at", "updated_at"])
      .where("user_id", "=", userId)
      .orderBy("name")
      .execute();
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** Creates the secret or replaces its value. Nothing is stored when the name or the value is refused. */
  async set(
    actor: SecretActor,
    name: string,
    value: string,
  ): Promise<{ secret: SecretInfo; created: boolean }> {
    checkSecretName(name);
    checkSecretValue(name, value);
    for (;;) {
      const now = Date.now();
      const existing = await this.db.kysely
        .selectFrom("secrets")
        .select(["id", "created_at"])
        .where("user_id", "=", actor.userId)
        .where("name", "=", name)
        .executeTakeFirst();
      if (existing !== undefined) {
        // Replaced in place: the row keeps its id, which the new ciphertext is bound to.
        const updated = await this.db.kysely
          .updateTable("secrets")
          .set({ value_enc: this.vault.encrypt(value, field(existing.id)), updated_at: now })
          .where("id", "=", existing.id)
          .executeTakeFirst();
        // Deleted between our read and our write: start again, as a creation.
        if (updated.numUpdatedRows !== 1n) continue;
        await this.audit(actor, "secret.updated", name);
        return { secret: { name, createdAt: existing.created_at, updatedAt: now }, created: false };
      }
      await this.checkLimit(actor.userId, name);
      const id = randomUUID();
      const inserted = await this.db.kysely
        .insertInto("secrets")
        .values({
          id,
          user_id: actor.userId,
          name,
          value_enc: this.vault.encrypt(value, field(id)),
          created_at: now,
          updated_at: now,
        })
        // Another request created the name meanwhile: loop, and replace its value instead.
        .onConflict((oc) => oc.columns(["user_id", "name"]).doNothing())
        .executeTakeFirst();
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) !== 1n) continue;
      await this.audit(actor, "secret.created", name);
      return { secret: { name, createdAt: now, updatedAt: now }, created: true };
    }
  }

  /** The value, decrypted; throws secret_not_found (naming a same-name secret of another case, if any). */
  async read(userId: string, name: string): Promise<{ name: string; value: string; updatedAt: number }> {
    checkSecretName(name);
    const row = await this.db.kysely
      .selectFrom("secrets")
      .select(["id", "value_enc", "updated_at"])
      .where("user_id", "=", userId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (row === undefined) throw await this.notFound(userId, name);
    return { name, value: this.vault.decrypt(row.value_enc, field(row.id)), updatedAt: row.updated_at };
  }

  async delete(actor: SecretActor, name: string): Promise<void> {
    checkSecretName(name);
    const deleted = await this.db.kysely
      .deleteFrom("secrets")
      .where("user_id", "=", actor.userId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (deleted.numDeletedRows !== 1n) throw await this.notFound(actor.userId, name);
    await this.audit(actor, "secret.deleted", name);
  }

  private async checkLimit(userId: string, name: string): Promise<void> {
    const { count } = await this.db.kysely
      .selectFrom("secrets")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= MAX_SECRETS_PER_USER) {
      throw new SecretError(
        "secret_limit_reached",
        `Secret ${name} was not stored: this Ferry user already has ${MAX_SECRETS_PER_USER} secrets, the most a user may keep. Delete ones no job uses.`,
      );
    }
  }

  private async notFound(userId: string, name: string): Promise<SecretError> {
    // Names are case-sensitive, as environment variables are; the likeliest slip is the case, so name the match.
    const similar = await this.db.kysely
      .selectFrom("secrets")
      .select("name")
      .where("user_id", "=", userId)
      .execute();
    const match = similar.find((r) => r.name.toLowerCase() === name.toLowerCase());
    return new SecretError(
      "secret_not_found",
      `There is no secret named ${name} for this Ferry user${match ? ` (did you mean ${match.name}? names are case-sensitive)` : ""}. ` +
        `Set it with \`ferry secrets set ${name}\` or on the Integrations & Secrets page.`,
    );
  }

  private async audit(actor: SecretActor, action: string, name: string): Promise<void> {
    await recordAudit(this.db, {
      userId: actor.userId,
      action,
      detail: { name, via: actor.via, ...(actor.apiKeyId ? { keyId: actor.apiKeyId } : {}) },
    });
  }
}
