import type { FerryDb } from "./db.ts";
import { purgeSpentLoginLinks } from "./loginLinks.ts";
import { purgeExpiredSessions } from "./sessions.ts";

/**
 * A finished or expired sign-in is kept a while, so a replayed callback is told "already used" or "expired" rather
 * than "unknown": an hour for code flows (a person retrying), a day for device flows (whose outcome a waiting CLI
 * reads).
 */
const FINISHED_CODE_FLOW_RETENTION_MS = 3600_000;
const FINISHED_DEVICE_FLOW_RETENTION_MS = 24 * 3600_000;

/**
 * Deletes what can never be used again: spent login links, expired sessions, start links nobody opened in time,
 * old finished or expired sign-ins; and drops redeemed tokens nobody confirmed in time. Runs every minute
 * (startBroker's purgeIntervalMs), so held tokens outlive their 5 minutes by at most that.
 */
export async function purgeExpired(db: FerryDb): Promise<void> {
  const now = Date.now();
  await purgeSpentLoginLinks(db);
  await purgeExpiredSessions(db);
  await db.kysely
    .updateTable("oauth_states")
    .set({ pending_enc: null, pending_expires_at: null, outcome: "expired" })
    .where("pending_enc", "is not", null)
    .where("pending_expires_at", "<=", now)
    .execute();
  await db.kysely
    .deleteFrom("oauth_states")
    .where("flow", "=", "code")
    .where((eb) =>
      eb.or([
        // A start link nobody opened: nothing to report about it later.
        eb.and([eb("bound_at", "is", null), eb("expires_at", "<=", now)]),
        eb.and([eb("pending_enc", "is", null), eb("expires_at", "<", now - FINISHED_CODE_FLOW_RETENTION_MS)]),
      ]),
    )
    .execute();
  const cutoff = now - FINISHED_DEVICE_FLOW_RETENTION_MS;
  await db.kysely
    .deleteFrom("oauth_states")
    .where("flow", "=", "device")
    .where((eb) => eb.or([eb("used_at", "<", cutoff), eb("expires_at", "<", cutoff)]))
    .execute();
}
