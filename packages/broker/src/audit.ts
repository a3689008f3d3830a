import { randomBytes } from "node:crypto";
import type { FerryDb } from "./db.ts";

export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

export interface AuditEvent {
  id: string;
  userId: string | null;
  action: string;
  detail: AuditDetail;
  at: number;
}

// The audit trail is kept after disconnects and is read by admins, so it must never hold a secret. Field names
// that smell of one are refused outright rather than trusted to be harmless.
const SECRET_LOOKING = /token|secret|password|verifier|cookie|authorization|(^|_)code$|key$/i;

/** Appends an event. `detail` holds identifiers and outcomes only; a secret-looking field name throws. */
export async function recordAudit(
  db: FerryDb,
  event: { userId: string | null; action: string; detail?: AuditDetail },
): Promise<void> {
  const detail = event.detail ?? {};
  const suspicious = Object.keys(detail).find((name) => SECRET_LOOKING.test(name));
  if (suspicious !== undefined) {
    throw new Error(
      `audit detail field "${suspicious}" looks like a secret; audit events must not hold secrets`,
    );
  }
  const at = Date.now();
  await db.kysely
    .insertInto("audit_events")
    .values({
      id: sortableId(at),
      user_id: event.userId,
      action: event.action,
      detail_json: JSON.stringify(detail),
      at,
    })
    .execute();
}

let sequence = 0;

/** Time, then a per-process counter, then randomness: events recorded in the same millisecond keep their order. */
function sortableId(at: number): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${at.toString(16).padStart(12, "0")}${sequence.toString(16).padStart(6, "0")}${randomBytes(5).toString("hex")}`;
}

/** Newest first. */
export async function listAudit(
  db: FerryDb,
  options: { userId?: string; limit?: number } = {},
): Promise<AuditEvent[]> {
  let query = db.kysely
    .selectFrom("audit_events")
    .selectAll()
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(options.limit ?? 100);
  if (options.userId !== undefined) query = query.where("user_id", "=", options.userId);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    action: row.action,
    detail: JSON.parse(row.detail_json) as AuditDetail,
    at: row.at,
  }));
}
