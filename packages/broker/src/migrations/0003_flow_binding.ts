import { type Kysely, sql } from "kysely";

// Security round two (issue 14).
//
// The authorization-code flow is bound to the browser that starts it: the connect route creates the row with a
// one-time start token only; opening the broker's start URL in a browser binds the flow to that browser (the hash
// of a cookie) and only then creates the `state` and PKCE verifier and goes on to Microsoft. The callback redeems
// the code only in the bound browser and holds the result encrypted in `pending_enc` until the person confirms
// which Microsoft account goes to which Ferry user.
//
// Users can be disabled: their keys and sessions stop working at once.
//
// `credential_epoch` is one counter, bumped in the same transaction as every revocation of an API key (and every
// disabled user). Brokers remember verified keys in memory, but only for the epoch they read them under, and read
// the epoch afresh for every request (one read shared by the requests that arrive together), so a revocation by
// any instance or by the CLI applies to the very next request everywhere.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("users").addColumn("disabled_at", "bigint").execute();

  for (const [name, type] of [
    ["start_token_hash", "text"],
    ["login_hint", "text"],
    ["bound_at", "bigint"],
    ["binding_hash", "text"],
    ["pending_enc", "text"],
    ["pending_expires_at", "bigint"],
  ] as const) {
    await db.schema.alterTable("oauth_states").addColumn(name, type).execute();
  }
  await db.schema
    .createIndex("oauth_states_start_token_hash")
    .on("oauth_states")
    .column("start_token_hash")
    .unique()
    .execute();
  // The purge looks for expired rows; the cap for a user's oldest.
  await db.schema.createIndex("oauth_states_expires_at").on("oauth_states").column("expires_at").execute();

  await db.schema
    .createTable("credential_epoch")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("epoch", "bigint", (c) => c.notNull())
    .execute();
  await sql`insert into credential_epoch (id, epoch) values (1, 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("credential_epoch").execute();
  await db.schema.dropIndex("oauth_states_expires_at").execute();
  await db.schema.dropIndex("oauth_states_start_token_hash").execute();
  for (const column of [
    "pending_expires_at",
    "pending_enc",
    "binding_hash",
    "bound_at",
    "login_hint",
    "start_token_hash",
  ]) {
    await db.schema.alterTable("oauth_states").dropColumn(column).execute();
  }
  await db.schema.alterTable("users").dropColumn("disabled_at").execute();
}
