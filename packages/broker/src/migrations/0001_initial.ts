import { type Kysely, sql } from "kysely";

// Only types that mean the same on SQLite and PostgreSQL: text, integer, and bigint for epoch-ms times.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addCheckConstraint("users_is_admin_flag", sql`is_admin in (0, 1)`)
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("api_keys_user_id").on("api_keys").column("user_id").execute();

  await db.schema
    .createTable("login_links")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();
  await db.schema.createIndex("login_links_user_id").on("login_links").column("user_id").execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("oauth_states")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    // Unique but nullable: both databases allow many NULLs (device flows) under a unique constraint.
    .addColumn("state_hash", "text", (c) => c.unique())
    .addColumn("flow", "text", (c) => c.notNull())
    .addColumn("code_verifier_enc", "text")
    .addColumn("device_code_enc", "text")
    .addColumn("redirect_to", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .addCheckConstraint("oauth_states_flow", sql`flow in ('code', 'device')`)
    .execute();
  await db.schema.createIndex("oauth_states_user_id").on("oauth_states").column("user_id").execute();

  await db.schema
    .createTable("connections")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("account_email", "text")
    .addColumn("account_name", "text")
    .addColumn("tenant_id", "text")
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("refresh_token_enc", "text")
    .addColumn("access_token_enc", "text")
    .addColumn("access_expires_at", "bigint")
    .addColumn("connected_at", "bigint", (c) => c.notNull())
    .addColumn("last_refresh_at", "bigint")
    .addColumn("last_used_at", "bigint")
    .addColumn("last_error", "text")
    .addColumn("refresh_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("refresh_lock_owner", "text")
    .addColumn("refresh_lock_until", "bigint")
    // One connection per user and provider: connecting again replaces it in place.
    .addUniqueConstraint("connections_user_provider", ["user_id", "provider"])
    .addCheckConstraint("connections_provider", sql`provider in ('onedrive')`)
    .addCheckConstraint("connections_status", sql`status in ('connected', 'needs_reconnect')`)
    .execute();
  // The keep-alive looks for connections idle the longest.
  await db.schema
    .createIndex("connections_last_refresh_at")
    .on("connections")
    .column("last_refresh_at")
    .execute();

  await db.schema
    .createTable("audit_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("detail_json", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_events_user_at").on("audit_events").columns(["user_id", "at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "audit_events",
    "connections",
    "oauth_states",
    "sessions",
    "login_links",
    "api_keys",
    "users",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
