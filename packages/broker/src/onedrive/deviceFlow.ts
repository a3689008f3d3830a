import { randomUUID } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import * as client from "openid-client";
import type { OAuthStateRow } from "../schema.ts";
import { fetchGraphProfile } from "./graphProfile.ts";
import type { MicrosoftIdentity } from "./microsoftIdentity.ts";
import { classifyProviderError, describeOAuthError } from "./providerError.ts";
import type { SignInDeps } from "./signInDeps.ts";

/** RFC 8628 §3.5: on `slow_down` the interval grows by 5 seconds for this and every later poll. */
const SLOW_DOWN_STEP_MS = 5_000;

export type DeviceFlowStatus = "pending" | "connected" | "declined" | "expired" | "failed";

export interface StartedDeviceFlow {
  userCode: string;
  verificationUri: string;
  expiresAt: number;
  intervalSeconds: number;
  message: string | undefined;
}

class FlowCancelled extends Error {}

/**
 * The device-code flow, for machines without a browser. The broker, not the caller, polls Microsoft's token
 * endpoint: the device code lives encrypted in the database with its interval and next due time, and each poll is
 * claimed by moving that time forward in one conditional UPDATE. So exactly one instance polls each time, the
 * interval is honoured across instances, and a broker restarted mid-flow carries on from the stored row.
 */
export class DeviceFlow {
  constructor(
    private readonly deps: SignInDeps & {
      logger: FastifyBaseLogger;
      onConnected: (userId: string) => void;
    },
  ) {}

  async start(userId: string): Promise<StartedDeviceFlow> {
    const { db, vault, identity } = this.deps;
    const started = await identity.startDeviceAuthorization();
    const id = randomUUID();
    const now = Date.now();
    const intervalMs = Math.max(1, started.intervalSeconds) * 1000;
    const expiresAt = now + started.expiresInSeconds * 1000;
    await db.kysely.transaction().execute(async (trx) => {
      // One pending device sign-in per user: an older one would race this one to replace the connection.
      await trx
        .updateTable("oauth_states")
        .set({ used_at: now, device_code_enc: null, outcome: "failed: replaced by a newer sign-in" })
        .where("user_id", "=", userId)
        .where("flow", "=", "device")
        .where("used_at", "is", null)
        .execute();
      await trx
        .insertInto("oauth_states")
        .values({
          id,
          user_id: userId,
          state_hash: null,
          flow: "device",
          code_verifier_enc: null,
          device_code_enc: vault.encrypt(started.deviceCode, {
            table: "oauth_states",
            rowId: id,
            column: "device_code_enc",
          }),
          redirect_to: null,
          created_at: now,
          expires_at: expiresAt,
          used_at: null,
          poll_interval_ms: intervalMs,
          next_poll_at: now + intervalMs,
          outcome: null,
        })
        .execute();
    });
    return {
      userCode: started.userCode,
      verificationUri: started.verificationUri,
      expiresAt,
      intervalSeconds: intervalMs / 1000,
      message: started.message,
    };
  }

  /** The user's most recent device sign-in, for a CLI waiting on it. */
  async latest(
    userId: string,
  ): Promise<{ status: DeviceFlowStatus; expiresAt: number; detail: string | null } | undefined> {
    const row = await this.deps.db.kysely
      .selectFrom("oauth_states")
      .select(["outcome", "expires_at", "used_at"])
      .where("user_id", "=", userId)
      .where("flow", "=", "device")
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    if (row.used_at === null) {
      return {
        status: row.expires_at <= Date.now() ? "expired" : "pending",
        expiresAt: row.expires_at,
        detail: null,
      };
    }
    const outcome = row.outcome ?? "failed";
    const status = (["connected", "declined", "expired"] as const).find((s) => s === outcome) ?? "failed";
    return {
      status,
      expiresAt: row.expires_at,
      detail: status === "failed" ? outcome.replace(/^failed:?\s*/, "") || null : null,
    };
  }

  /** Polls every device flow that is due, once each. Returns how many were polled. */
  async pollDue(): Promise<number> {
    const { db } = this.deps;
    const now = Date.now();
    await db.kysely
      .updateTable("oauth_states")
      .set({ used_at: now, device_code_enc: null, outcome: "expired" })
      .where("flow", "=", "device")
      .where("used_at", "is", null)
      .where("expires_at", "<=", now)
      .execute();
    const due = await db.kysely
      .selectFrom("oauth_states")
      .selectAll()
      .where("flow", "=", "device")
      .where("used_at", "is", null)
      .where("next_poll_at", "<=", now)
      .execute();
    const claimed = await Promise.all(due.map((row) => this.#claim(row)));
    const mine = due.filter((_, i) => claimed[i]);
    await Promise.all(mine.map((row) => this.#pollOne(row)));
    return mine.length;
  }

  async #claim(row: OAuthStateRow): Promise<boolean> {
    const now = Date.now();
    const result = await this.deps.db.kysely
      .updateTable("oauth_states")
      .set({ next_poll_at: now + (row.poll_interval_ms ?? 5_000) })
      .where("id", "=", row.id)
      .where("used_at", "is", null)
      .where("next_poll_at", "<=", now)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async #pollOne(row: OAuthStateRow): Promise<void> {
    const { vault, identity, logger } = this.deps;
    const deviceCode = vault.decrypt(row.device_code_enc ?? "", {
      table: "oauth_states",
      rowId: row.id,
      column: "device_code_enc",
    });
    let tokens: Awaited<ReturnType<MicrosoftIdentity["pollDeviceCode"]>>;
    try {
      tokens = await identity.pollDeviceCode(deviceCode);
    } catch (error) {
      await this.#onPollError(row, error);
      return;
    }
    if (tokens.refreshToken === undefined) {
      await this.#finish(row.id, "failed: Microsoft issued no refresh token (offline_access not granted)");
      return;
    }
    try {
      const profile = await fetchGraphProfile(this.deps.graphUrl, tokens.accessToken, this.deps.fetch);
      await this.deps.store.saveConnected({
        userId: row.user_id,
        profile,
        tokens: { ...tokens, refreshToken: tokens.refreshToken },
        flow: "device",
        alongside: async (trx) => {
          const result = await trx
            .updateTable("oauth_states")
            .set({ used_at: Date.now(), device_code_enc: null, outcome: "connected" })
            .where("id", "=", row.id)
            .where("used_at", "is", null)
            .executeTakeFirst();
          // Disconnected (or replaced) while this poll was out: roll back rather than bring the connection back.
          if (result.numUpdatedRows !== 1n) throw new FlowCancelled();
        },
      });
      this.deps.onConnected(row.user_id);
      logger.info({ userId: row.user_id, flow: "device" }, "OneDrive connected");
    } catch (error) {
      if (error instanceof FlowCancelled) return;
      logger.warn(
        { userId: row.user_id, err: error },
        "device sign-in finished at Microsoft but could not be stored",
      );
      await this.#finish(row.id, `failed: ${(error as Error).message}`);
    }
  }

  async #onPollError(row: OAuthStateRow, error: unknown): Promise<void> {
    if (error instanceof client.ResponseBodyError) {
      switch (error.error) {
        case "authorization_pending":
          return;
        case "slow_down": {
          const interval = (row.poll_interval_ms ?? 5_000) + SLOW_DOWN_STEP_MS;
          await this.deps.db.kysely
            .updateTable("oauth_states")
            .set({ poll_interval_ms: interval, next_poll_at: Date.now() + interval })
            .where("id", "=", row.id)
            .execute();
          return;
        }
        case "authorization_declined":
        case "access_denied":
          await this.#finish(row.id, "declined");
          return;
        case "expired_token":
          await this.#finish(row.id, "expired");
          return;
      }
    }
    const failure = classifyProviderError(error);
    if (failure.kind === "transient") {
      // The claim already pushed the next poll one interval out; that is the backoff.
      this.deps.logger.warn(
        { userId: row.user_id, reason: failure.reason },
        "device code poll failed; will retry",
      );
      return;
    }
    const detail =
      error instanceof client.ResponseBodyError
        ? describeOAuthError(error.error, error.error_description)
        : failure.detail;
    await this.#finish(row.id, `failed: ${detail}`);
  }

  async #finish(id: string, outcome: string): Promise<void> {
    await this.deps.db.kysely
      .updateTable("oauth_states")
      .set({ used_at: Date.now(), device_code_enc: null, outcome })
      .where("id", "=", id)
      .where("used_at", "is", null)
      .execute();
  }
}
