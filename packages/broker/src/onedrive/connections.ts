import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { recordAudit } from "../audit.ts";
import { type FerryDb, isUniqueViolation } from "../db.ts";
import type { ConnectionRow, Tables } from "../schema.ts";
import type { Vault } from "../vault.ts";
import type { GraphProfile } from "./graphProfile.ts";
import type { IssuedTokens } from "./microsoftIdentity.ts";

const PROVIDER = "onedrive";

/** A database handle for work that must commit or roll back together with the connection write. */
export type Trx = Transaction<Tables>;

/**
 * The OneDrive connection rows and the vault that seals their tokens: the one place that reads, writes and deletes
 * them, so every token goes through the vault with its row's AAD.
 */
export class ConnectionStore {
  constructor(
    readonly db: FerryDb,
    readonly vault: Vault,
  ) {}

  async byUser(userId: string): Promise<ConnectionRow | undefined> {
    return this.db.kysely
      .selectFrom("connections")
      .selectAll()
      .where("user_id", "=", userId)
      .where("provider", "=", PROVIDER)
      .executeTakeFirst();
  }

  accessToken(row: ConnectionRow): string | undefined {
    if (row.access_token_enc === null) return undefined;
    return this.vault.decrypt(row.access_token_enc, {
      table: "connections",
      rowId: row.id,
      column: "access_token_enc",
    });
  }

  refreshToken(row: ConnectionRow): string | undefined {
    if (row.refresh_token_enc === null) return undefined;
    return this.vault.decrypt(row.refresh_token_enc, {
      table: "connections",
      rowId: row.id,
      column: "refresh_token_enc",
    });
  }

  /** The columns a fresh token response writes, sealed for row `rowId`. */
  sealTokens(
    rowId: string,
    tokens: { accessToken: string; refreshToken: string },
  ): Pick<ConnectionRow, "access_token_enc" | "refresh_token_enc"> {
    return {
      access_token_enc: this.vault.encrypt(tokens.accessToken, {
        table: "connections",
        rowId,
        column: "access_token_enc",
      }),
      refresh_token_enc: this.vault.encrypt(tokens.refreshToken, {
        table: "connections",
        rowId,
        column: "refresh_token_enc",
      }),
    };
  }

  /**
   * Stores a completed sign-in: a new connection, or the user's existing one replaced in place (same row, new
   * account, new tokens, status connected). `alongside` runs in the same transaction (consuming the OAuth state,
   * the audit record), so either everything is written or nothing is.
   */
  async saveConnected(input: {
    userId: string;
    profile: GraphProfile;
    tokens: IssuedTokens & { refreshToken: string };
    flow: "code" | "device";
    alongside?: (trx: Trx) => Promise<void>;
  }): Promise<ConnectionRow> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.kysely.transaction().execute(async (trx) => {
          const row = await this.#upsert(trx, input);
          await input.alongside?.(trx);
          await recordAudit(
            { kysely: trx, dialect: this.db.dialect, close: async () => {} },
            {
              userId: input.userId,
              action: "connection.connected",
              detail: { provider: PROVIDER, flow: input.flow, accountEmail: input.profile.email },
            },
          );
          return row;
        });
      } catch (error) {
        // Two sign-ins of one user finishing together both try to insert; the loser retries as an update.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  async #upsert(
    trx: Trx,
    input: { userId: string; profile: GraphProfile; tokens: IssuedTokens & { refreshToken: string } },
  ): Promise<ConnectionRow> {
    const existing = await trx
      .selectFrom("connections")
      .select(["id", "version"])
      .where("user_id", "=", input.userId)
      .where("provider", "=", PROVIDER)
      .executeTakeFirst();
    const now = Date.now();
    const id = existing?.id ?? randomUUID();
    const values = {
      status: "connected" as const,
      account_id: input.profile.id,
      account_email: input.profile.email,
      account_name: input.profile.name,
      tenant_id: null,
      scopes: input.tokens.scope,
      ...this.sealTokens(id, input.tokens),
      access_expires_at: now + input.tokens.expiresInSeconds * 1000,
      connected_at: now,
      last_refresh_at: now,
      last_used_at: null,
      last_error: null,
      refresh_failures: 0,
      // A refresh of the old grant may be in flight elsewhere: dropping its lease fences its write out, so it
      // cannot overwrite the tokens stored here with the previous account's.
      refresh_lock_owner: null,
      refresh_lock_until: null,
    };
    if (existing === undefined) {
      await trx
        .insertInto("connections")
        .values({ id, user_id: input.userId, provider: PROVIDER, version: 0, ...values })
        .execute();
    } else {
      await trx
        .updateTable("connections")
        .set({ ...values, version: existing.version + 1 })
        .where("id", "=", id)
        .execute();
    }
    return trx.selectFrom("connections").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  }

  /**
   * Disconnect: deletes the row, and with it every stored token of the connection; pending sign-ins of the user
   * are dropped too, so none of them can bring the connection back. An audit record without secrets remains.
   */
  async delete(userId: string): Promise<ConnectionRow | undefined> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const row = await trx
        .deleteFrom("connections")
        .where("user_id", "=", userId)
        .where("provider", "=", PROVIDER)
        .returningAll()
        .executeTakeFirst();
      // Sign-ins in progress, and redeemed ones waiting for a confirmation (their tokens held encrypted).
      await trx
        .deleteFrom("oauth_states")
        .where("user_id", "=", userId)
        .where((eb) => eb.or([eb("used_at", "is", null), eb("pending_enc", "is not", null)]))
        .execute();
      await recordAudit(
        { kysely: trx, dialect: this.db.dialect, close: async () => {} },
        {
          userId,
          action: row === undefined ? "connection.disconnect_noop" : "connection.disconnected",
          detail: { provider: PROVIDER, accountEmail: row?.account_email ?? null },
        },
      );
      return row;
    });
  }
}
