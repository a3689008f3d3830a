import type { Kysely } from "kysely";

// Secrets (issue 20): a user's named values for their jobs (`getSecret("OPENAI_API_KEY")`), encrypted by the vault
// like the OneDrive tokens. The name is not secret (the page lists it), the value is: `value_enc` holds only vault
// ciphertext, bound to its row id, and is listed in ENCRYPTED_COLUMNS so key rotation re-encrypts it. One name per
// user: setting it again replaces the value in place, keeping the row (and so the id the ciphertext is bound to).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("secrets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("value_enc", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    // Also the index for "this user's secrets", listed by name.
    .addUniqueConstraint("secrets_user_name", ["user_id", "name"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("secrets").execute();
}
