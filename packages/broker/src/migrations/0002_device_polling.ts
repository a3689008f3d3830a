import type { Kysely } from "kysely";

// The device-code flow is polled by the broker from the database, so that a restart (or another instance) picks
// up where the last poll left off: how often to poll (Microsoft's `interval`, raised by `slow_down`), when the
// next poll is due (claimed atomically, so one instance polls each time), and how the flow ended.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("oauth_states").addColumn("poll_interval_ms", "integer").execute();
  await db.schema.alterTable("oauth_states").addColumn("next_poll_at", "bigint").execute();
  await db.schema.alterTable("oauth_states").addColumn("outcome", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ["outcome", "next_poll_at", "poll_interval_ms"]) {
    await db.schema.alterTable("oauth_states").dropColumn(column).execute();
  }
}
