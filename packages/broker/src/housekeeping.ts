import type { FerryDb } from "./db.ts";
import { purgeSpentLoginLinks } from "./loginLinks.ts";
import { purgeExpiredSessions } from "./sessions.ts";

/** Finished OAuth flows are kept a day, so a replayed callback is told "already used" rather than "unknown". */
const FINISHED_FLOW_RETENTION_MS = 24 * 3600_000;

/** Deletes what can never be used again: spent login links, expired sessions, old finished or expired sign-ins. */
export async function purgeExpired(db: FerryDb): Promise<void> {
  await purgeSpentLoginLinks(db);
  await purgeExpiredSessions(db);
  const cutoff = Date.now() - FINISHED_FLOW_RETENTION_MS;
  await db.kysely
    .deleteFrom("oauth_states")
    .where((eb) => eb.or([eb("used_at", "<", cutoff), eb("expires_at", "<", cutoff)]))
    .execute();
}
