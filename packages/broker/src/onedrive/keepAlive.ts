import type { FastifyBaseLogger } from "fastify";
import type { FerryDb } from "../db.ts";
import type { TokenMinter } from "./tokenMinter.ts";

/** Microsoft lets a refresh token lapse after 90 days unused; refreshing any connection idle a day keeps far from it. */
export const KEEP_ALIVE_IDLE_MS = 24 * 3600_000;
const BATCH = 100;

/**
 * Refreshes connections whose last refresh is older than `idleMs`, so a connection nobody mints from for months
 * still works when someone does. Runs on every instance; the connection lease makes concurrent passes harmless
 * (the second finds the row freshly refreshed and skips it).
 */
export class KeepAlive {
  constructor(
    private readonly deps: {
      db: FerryDb;
      minter: TokenMinter;
      logger: FastifyBaseLogger;
      idleMs: number;
    },
  ) {}

  /** One pass over every idle connection. */
  async runOnce(): Promise<{ refreshed: number; failed: number }> {
    const { db, minter, logger, idleMs } = this.deps;
    const idleBefore = Date.now() - idleMs;
    let refreshed = 0;
    let failed = 0;
    let after = "";
    for (;;) {
      const idle = await db.kysely
        .selectFrom("connections")
        .select(["id", "user_id"])
        .where("status", "=", "connected")
        .where("refresh_token_enc", "is not", null)
        .where((eb) => eb.or([eb("last_refresh_at", "is", null), eb("last_refresh_at", "<", idleBefore)]))
        .where("id", ">", after)
        .orderBy("id")
        .limit(BATCH)
        .execute();
      for (const connection of idle) {
        after = connection.id;
        try {
          if (await minter.keepAlive(connection, idleBefore)) refreshed++;
        } catch (error) {
          failed++;
          logger.warn({ connectionId: connection.id, err: error }, "keep-alive refresh failed");
        }
      }
      if (idle.length < BATCH) break;
    }
    return { refreshed, failed };
  }
}
