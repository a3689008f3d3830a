import { randomUUID } from "node:crypto";
import * as client from "openid-client";
import type { FerryDb } from "../db.ts";
import type { ConnectionRow, OAuthStateRow } from "../schema.ts";
import { hashToken, isWellFormedToken, randomToken } from "../tokens.ts";
import type { Vault } from "../vault.ts";
import type { ConnectionStore } from "./connections.ts";
import { fetchGraphProfile, GraphProfileError } from "./graphProfile.ts";
import type { MicrosoftIdentity } from "./microsoftIdentity.ts";
import { classifyProviderError } from "./providerError.ts";

/** How long a started sign-in stays valid; Microsoft's authorization codes live about as long. */
export const STATE_TTL_MS = 10 * 60_000;

export type CallbackErrorCode =
  | "state_missing"
  | "state_unknown"
  | "state_expired"
  | "state_used"
  | "wrong_user"
  | "access_denied"
  | "authorization_error"
  | "code_missing"
  | "code_rejected"
  | "no_refresh_token"
  | "provider_unavailable"
  | "profile_failed";

export type CallbackOutcome =
  | { ok: true; connection: ConnectionRow; returnToPage: boolean }
  | { ok: false; code: CallbackErrorCode; status: number; message: string; returnToPage: boolean };

const START_AGAIN =
  "Nothing was stored. Start again with `ferry integrations onedrive connect` or Connect OneDrive.";

/**
 * The authorization-code flow with PKCE (S256). The `state` is random, single-use, stored only as its hash, expires
 * after 10 minutes and names the Ferry user who started the flow; the PKCE code verifier is stored encrypted next
 * to it. The callback needs no Ferry session of its own: a flow started from the CLI is finished in a browser that
 * may never have signed in to Ferry, so there the unguessable state is the binding. When the browser does carry a
 * Ferry session, it must be the same user's, so one user's browser cannot finish (and so attach an account to)
 * another user's flow.
 */
export class AuthorizationFlow {
  constructor(
    private readonly deps: {
      db: FerryDb;
      vault: Vault;
      store: ConnectionStore;
      identity: MicrosoftIdentity;
      graphUrl: string;
      fetch: typeof fetch | undefined;
    },
  ) {}

  async start(
    userId: string,
    options: { returnToPage: boolean; loginHint?: string | undefined },
  ): Promise<{ authorizationUrl: string; expiresAt: number }> {
    const { db, vault, identity } = this.deps;
    const state = randomToken();
    const codeVerifier = client.randomPKCECodeVerifier();
    // Built before anything is stored, so a broker without FERRY_MS_CLIENT_ID fails without leaving a row.
    const authorizationUrl = identity.authorizationUrl({
      state,
      codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier),
      loginHint: options.loginHint,
    });
    const id = randomUUID();
    const now = Date.now();
    const expiresAt = now + STATE_TTL_MS;
    await db.kysely
      .insertInto("oauth_states")
      .values({
        id,
        user_id: userId,
        state_hash: hashToken(state),
        flow: "code",
        code_verifier_enc: vault.encrypt(codeVerifier, {
          table: "oauth_states",
          rowId: id,
          column: "code_verifier_enc",
        }),
        device_code_enc: null,
        // Only ever "/" (the page) or null (a plain result page): never a URL from the request, so the flow
        // cannot be turned into an open redirect.
        redirect_to: options.returnToPage ? "/" : null,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    return { authorizationUrl: authorizationUrl.href, expiresAt };
  }

  /**
   * Finishes the flow from the callback's query. `rawQuery` is the query string as received (the code is
   * redeemed with exactly what Microsoft sent); `sessionUserId` is the browser's Ferry user, if it has a session.
   */
  async complete(
    query: Readonly<Record<string, string | undefined>>,
    rawQuery: string,
    sessionUserId: string | undefined,
  ): Promise<CallbackOutcome> {
    const state = query.state;
    if (state === undefined || state === "") {
      return fail(
        "state_missing",
        400,
        `The sign-in answer carries no state, so it cannot be matched to a Ferry sign-in. ${START_AGAIN}`,
      );
    }
    const row = isWellFormedToken(state) ? await this.#stateRow(state) : undefined;
    if (row === undefined) {
      return fail(
        "state_unknown",
        400,
        `This sign-in answer does not belong to any sign-in this Ferry broker started. ${START_AGAIN}`,
      );
    }
    const returnToPage = row.redirect_to === "/";
    if (sessionUserId !== undefined && sessionUserId !== row.user_id) {
      return fail(
        "wrong_user",
        403,
        "This sign-in was started by another Ferry user than the one signed in to this browser; it was not completed. " +
          "Sign in to Ferry as the user who started it, or start a new sign-in.",
        returnToPage,
      );
    }
    if (row.used_at !== null) {
      return fail(
        "state_used",
        400,
        `This sign-in was already completed or cancelled; each one can be used once. ${START_AGAIN}`,
        returnToPage,
      );
    }
    if (row.expires_at <= Date.now()) {
      await this.#consume(row.id);
      return fail(
        "state_expired",
        400,
        `This sign-in expired: it has to be finished within 10 minutes. ${START_AGAIN}`,
        returnToPage,
      );
    }
    const codeVerifier = this.deps.vault.decrypt(row.code_verifier_enc ?? "", {
      table: "oauth_states",
      rowId: row.id,
      column: "code_verifier_enc",
    });
    // Consumed before anything else happens, in one conditional UPDATE: of two simultaneous callbacks with the same
    // state, only one goes on to redeem the code.
    if (!(await this.#consume(row.id))) {
      return fail(
        "state_used",
        400,
        `This sign-in was already completed or cancelled; each one can be used once. ${START_AGAIN}`,
        returnToPage,
      );
    }

    if (query.error !== undefined) {
      if (query.error === "access_denied") {
        return fail(
          "access_denied",
          400,
          `You declined to let Ferry access OneDrive. ${START_AGAIN.replace("Start again", "To connect after all, start again")}`,
          returnToPage,
        );
      }
      return fail(
        "authorization_error",
        400,
        `Microsoft ended the sign-in with "${truncate(query.error, 60)}": ${truncate(query.error_description ?? "no description", 200)}. ${START_AGAIN}`,
        returnToPage,
      );
    }
    if (query.code === undefined || query.code === "") {
      return fail(
        "code_missing",
        400,
        `The sign-in answer carries no authorization code. ${START_AGAIN}`,
        returnToPage,
      );
    }

    const { identity, store } = this.deps;
    let tokens: Awaited<ReturnType<MicrosoftIdentity["exchangeCode"]>>;
    try {
      tokens = await identity.exchangeCode(rawQuery, { state, codeVerifier });
    } catch (error) {
      const failure = classifyProviderError(error);
      if (failure.kind === "transient") {
        return fail(
          "provider_unavailable",
          502,
          `Microsoft's sign-in service could not be reached to finish the sign-in (${failure.detail}). ${START_AGAIN}`,
          returnToPage,
        );
      }
      return fail(
        "code_rejected",
        400,
        `Microsoft refused to finish the sign-in: ${failure.detail}. ${START_AGAIN}`,
        returnToPage,
      );
    }
    const refreshToken = tokens.refreshToken;
    if (refreshToken === undefined) {
      return fail(
        "no_refresh_token",
        400,
        `Microsoft issued no refresh token (the offline_access permission was not granted), so Ferry could not keep the connection alive. ${START_AGAIN}`,
        returnToPage,
      );
    }
    let profile: Awaited<ReturnType<typeof fetchGraphProfile>>;
    try {
      profile = await fetchGraphProfile(this.deps.graphUrl, tokens.accessToken, this.deps.fetch);
    } catch (error) {
      const why = error instanceof GraphProfileError ? error.message : "reading the account's profile failed";
      return fail("profile_failed", 502, `Signed in, but ${why}. ${START_AGAIN}`, returnToPage);
    }
    const connection = await store.saveConnected({
      userId: row.user_id,
      profile,
      tokens: { ...tokens, refreshToken },
      flow: "code",
    });
    return { ok: true, connection, returnToPage };
  }

  async #stateRow(state: string): Promise<OAuthStateRow | undefined> {
    return this.deps.db.kysely
      .selectFrom("oauth_states")
      .selectAll()
      .where("state_hash", "=", hashToken(state))
      .where("flow", "=", "code")
      .executeTakeFirst();
  }

  /** Marks the state used and drops its code verifier, which is no longer needed; false if it was already used. */
  async #consume(id: string): Promise<boolean> {
    const result = await this.deps.db.kysely
      .updateTable("oauth_states")
      .set({ used_at: Date.now(), code_verifier_enc: null })
      .where("id", "=", id)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}

function fail(
  code: CallbackErrorCode,
  status: number,
  message: string,
  returnToPage = false,
): CallbackOutcome {
  return { ok: false, code, status, message, returnToPage };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
