import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import * as client from "openid-client";
import type { ConnectionRow, OAuthStateRow } from "../schema.ts";
import { digestsEqual, hashToken, isWellFormedToken, randomToken } from "../tokens.ts";
import { fetchGraphProfile, type GraphProfile, GraphProfileError } from "./graphProfile.ts";
import type { MicrosoftCallLimits } from "./microsoftCallLimits.ts";
import type { IssuedTokens } from "./microsoftIdentity.ts";
import { classifyProviderError } from "./providerError.ts";
import type { SignInDeps } from "./signInDeps.ts";

/** How long a start link, and then a bound sign-in, stay valid; Microsoft's authorization codes live about as long. */
export const STATE_TTL_MS = 10 * 60_000;
/** How long a redeemed sign-in waits for the person to confirm it; its tokens are held encrypted until then. */
export const CONFIRM_TTL_MS = 5 * 60_000;
/** Code flows kept per user (pending, waiting for confirmation or recently finished); a new one replaces the oldest. */
export const MAX_CODE_FLOWS_PER_USER = 5;

const CONFIRM_LABEL = "ferry/v1/connect-confirm/";

/**
 * What a browser brings to show that a flow is its own: the binding cookie it received when it opened the flow's
 * start link, and its Ferry session (the user and the session cookie), either of which may be missing.
 */
export interface FlowProof {
  binding: string | undefined;
  session: { userId: string; token: string } | undefined;
}

export type CallbackErrorCode =
  | "state_missing"
  | "state_unknown"
  | "state_expired"
  | "state_used"
  | "wrong_user"
  | "not_this_browser"
  | "too_many_sign_ins"
  | "access_denied"
  | "authorization_error"
  | "code_missing"
  | "code_rejected"
  | "no_refresh_token"
  | "provider_unavailable"
  | "profile_failed";

export interface Refusal<C extends string> {
  ok: false;
  code: C;
  status: number;
  message: string;
  /** Only when the browser proved the flow is its own: where the flow's user wants outcomes (their page). */
  returnToPage: boolean;
  /** Seconds to wait, for the 429s. */
  retryAfter?: number;
}

export type CallbackOutcome = { ok: true; flowId: string } | Refusal<CallbackErrorCode>;

export interface StartLink {
  flowId: string;
  userId: string;
  userName: string;
  fromPage: boolean;
  createdAt: number;
  /** `usable`, or why the link no longer works. */
  status: "usable" | "used" | "expired";
}

export type BindOutcome =
  | { ok: true; authorizationUrl: string }
  | Refusal<"start_unknown" | "start_used" | "start_expired">;

export interface Confirmation {
  flowId: string;
  userName: string;
  account: { email: string; name: string | null };
  /** The account the user's current connection is to, when this would replace it. */
  replaces: string | null;
  expiresAt: number;
  returnToPage: boolean;
  /** For the confirmation form: ties the POST to this browser's proof and this flow. */
  csrfToken: string;
}

export type ConfirmErrorCode = "confirm_unknown" | "confirm_expired" | "not_this_browser" | "csrf_failed";

export type ConfirmOutcome =
  | { ok: true; decision: "connect"; connection: ConnectionRow; returnToPage: boolean }
  | { ok: true; decision: "cancel"; returnToPage: boolean }
  | Refusal<ConfirmErrorCode>;

/** The redeemed sign-in held while the person decides. */
interface HeldSignIn {
  tokens: IssuedTokens & { refreshToken: string };
  profile: GraphProfile;
  receivedAt: number;
}

const START_AGAIN =
  "Nothing was stored. Start again with `ferry integrations onedrive connect` or Connect OneDrive.";

class FlowCancelled extends Error {}

/**
 * The authorization-code flow with PKCE (S256), bound to the browser that runs it.
 *
 * 1. `start` (POST …/onedrive/connect, with an API key or the page's session) stores a flow with a one-time start
 *    token and answers the broker URL that carries it, never Microsoft's.
 * 2. `bind`: that URL, opened as a page, binds the flow to the browser (a random cookie whose hash is stored) —
 *    after a "Continue" on an interstitial that names the Ferry user who started it, or at once when the browser's
 *    own Ferry session is that user's. Only now are the `state` (random, single-use, stored as its hash) and the
 *    PKCE verifier (stored encrypted) made, and the browser goes to Microsoft with `prompt=select_account`.
 * 3. `complete`: the callback goes on only in a browser that proves the flow is its own (the binding cookie, or
 *    the flow user's session); anywhere else it is refused without using the state up. With proof, the code is
 *    redeemed and the tokens are held encrypted for a few minutes.
 * 4. `confirm`: the person sees which Microsoft account is about to be connected to which Ferry user, and only a
 *    same-origin POST from that browser stores the connection; Cancel drops the tokens.
 *
 * So a sign-in URL embedded in another site's page, or sent as a link to someone else, cannot attach the
 * victim's Microsoft account to the attacker's Ferry user: the victim's browser holds no binding for the
 * attacker's flow and no session of the attacker, and the only way to get one is to press Continue on a page that
 * names the attacker's Ferry user and then Connect on one that names it again.
 */
export class AuthorizationFlow {
  constructor(private readonly deps: SignInDeps & { limits: MicrosoftCallLimits }) {}

  /** Step 1: a new flow for `userId`; at most MAX_CODE_FLOWS_PER_USER are kept, the oldest replaced. */
  async start(
    userId: string,
    options: { returnToPage: boolean; loginHint?: string | undefined },
  ): Promise<{ startToken: string; expiresAt: number }> {
    const { db, identity } = this.deps;
    // Fails now (NotConfiguredError), before anything is stored, rather than after the person pressed Continue.
    identity.assertConfigured();
    const startToken = randomToken();
    const now = Date.now();
    const expiresAt = now + STATE_TTL_MS;
    await db.kysely
      .insertInto("oauth_states")
      .values({
        id: randomUUID(),
        user_id: userId,
        state_hash: null,
        flow: "code",
        code_verifier_enc: null,
        device_code_enc: null,
        // Only ever "/" (the page) or null (a plain result page): never a URL from the request, so the flow
        // cannot be turned into an open redirect.
        redirect_to: options.returnToPage ? "/" : null,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        start_token_hash: hashToken(startToken),
        login_hint: options.loginHint ?? null,
      })
      .execute();
    await this.#trim(userId);
    return { startToken, expiresAt };
  }

  /** The flow a start link belongs to, for the interstitial; uses nothing up (link previews fetch URLs too). */
  async describeStart(startToken: string): Promise<StartLink | undefined> {
    if (!isWellFormedToken(startToken)) return undefined;
    const row = await this.deps.db.kysely
      .selectFrom("oauth_states")
      .innerJoin("users", "users.id", "oauth_states.user_id")
      .select([
        "oauth_states.id",
        "oauth_states.user_id",
        "oauth_states.redirect_to",
        "oauth_states.created_at",
        "oauth_states.expires_at",
        "oauth_states.bound_at",
        "users.name",
      ])
      .where("oauth_states.start_token_hash", "=", hashToken(startToken))
      .where("oauth_states.flow", "=", "code")
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      flowId: row.id,
      userId: row.user_id,
      userName: row.name,
      fromPage: row.redirect_to === "/",
      createdAt: row.created_at,
      status: row.bound_at !== null ? "used" : row.expires_at <= Date.now() ? "expired" : "usable",
    };
  }

  /**
   * Step 2: binds the flow to the browser holding `binding` (the caller sets it as a cookie) and returns where to
   * send that browser at Microsoft. The start token works once.
   */
  async bind(startToken: string, binding: string): Promise<BindOutcome> {
    const { db, vault, identity } = this.deps;
    const link = await this.describeStart(startToken);
    if (link === undefined) {
      return refusal(
        "start_unknown",
        400,
        `This link does not belong to any OneDrive connection this Ferry broker started. ${START_AGAIN}`,
      );
    }
    if (link.status === "used") {
      return refusal("start_used", 400, `This link was already opened; each one works once. ${START_AGAIN}`);
    }
    if (link.status === "expired") {
      return refusal(
        "start_expired",
        400,
        `This link expired: it has to be opened within 10 minutes. ${START_AGAIN}`,
      );
    }
    const row = await db.kysely
      .selectFrom("oauth_states")
      .select("login_hint")
      .where("id", "=", link.flowId)
      .executeTakeFirstOrThrow();
    const state = randomToken();
    const codeVerifier = client.randomPKCECodeVerifier();
    const authorizationUrl = identity.authorizationUrl({
      state,
      codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier),
      loginHint: row.login_hint ?? undefined,
    });
    const now = Date.now();
    // One conditional UPDATE: of two browsers opening the same link at once, only one is bound.
    const result = await db.kysely
      .updateTable("oauth_states")
      .set({
        bound_at: now,
        binding_hash: hashToken(binding),
        state_hash: hashToken(state),
        code_verifier_enc: vault.encrypt(codeVerifier, {
          table: "oauth_states",
          rowId: link.flowId,
          column: "code_verifier_enc",
        }),
        // The time at Microsoft counts from here.
        expires_at: now + STATE_TTL_MS,
      })
      .where("id", "=", link.flowId)
      .where("bound_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) {
      return refusal("start_used", 400, `This link was already opened; each one works once. ${START_AGAIN}`);
    }
    return { ok: true, authorizationUrl: authorizationUrl.href };
  }

  /**
   * Step 3, the callback. `rawQuery` is the query string as received (the code is redeemed with exactly what
   * Microsoft sent). Refusals before the proof check use nothing up.
   */
  async complete(
    query: Readonly<Record<string, string | undefined>>,
    rawQuery: string,
    proof: FlowProof,
  ): Promise<CallbackOutcome> {
    const state = query.state;
    if (state === undefined || state === "") {
      return refusal(
        "state_missing",
        400,
        `The sign-in answer carries no state, so it cannot be matched to a Ferry sign-in. ${START_AGAIN}`,
      );
    }
    const row = isWellFormedToken(state) ? await this.#stateRow(state) : undefined;
    if (row === undefined) {
      return refusal(
        "state_unknown",
        400,
        `This sign-in answer does not belong to any sign-in this Ferry broker started. ${START_AGAIN}`,
      );
    }
    if (!proves(row, proof)) {
      if (proof.session !== undefined) {
        return refusal(
          "wrong_user",
          403,
          "This sign-in was started by another Ferry user than the one signed in to this browser; it was not completed " +
            "and nothing was stored. Sign in to Ferry as the user who started it, or start a new sign-in.",
          row.redirect_to === "/",
        );
      }
      return refusal(
        "not_this_browser",
        403,
        "The answer from Microsoft arrived in a browser that did not start this OneDrive connection, so Ferry stored " +
          "nothing and left the sign-in as it was.",
      );
    }
    // From here on the browser is the flow's own: outcomes may go back to the flow user's page.
    const returnToPage = row.redirect_to === "/";
    if (row.used_at !== null) {
      return refusal(
        "state_used",
        400,
        `This sign-in was already completed or cancelled; each one can be used once. ${START_AGAIN}`,
        returnToPage,
      );
    }
    if (row.expires_at <= Date.now()) {
      await this.#consume(row.id);
      return refusal(
        "state_expired",
        400,
        `This sign-in expired: it has to be finished within 10 minutes. ${START_AGAIN}`,
        returnToPage,
      );
    }
    if (query.error === undefined) {
      // Redeeming a code is a call to Microsoft; the budget is checked before the state is used, so a refused
      // callback can simply be reloaded once the wait is over.
      const wait = this.deps.limits.take("code", row.user_id);
      if (wait > 0) {
        return {
          ...refusal(
            "too_many_sign_ins",
            429,
            `Too many sign-ins were finished for this Ferry user in a short time; Microsoft throttles the app every user of this broker shares. Reload this page in ${wait} s to finish this one.`,
            false,
          ),
          retryAfter: wait,
        };
      }
    }
    const codeVerifier = this.deps.vault.decrypt(row.code_verifier_enc ?? "", {
      table: "oauth_states",
      rowId: row.id,
      column: "code_verifier_enc",
    });
    // Consumed before anything else happens, in one conditional UPDATE: of two simultaneous callbacks with the same
    // state, only one goes on to redeem the code.
    if (!(await this.#consume(row.id))) {
      return refusal(
        "state_used",
        400,
        `This sign-in was already completed or cancelled; each one can be used once. ${START_AGAIN}`,
        returnToPage,
      );
    }

    if (query.error !== undefined) {
      if (query.error === "access_denied") {
        await this.#finish(row.id, "declined");
        return refusal(
          "access_denied",
          400,
          `You declined to let Ferry access OneDrive. ${START_AGAIN.replace("Start again", "To connect after all, start again")}`,
          returnToPage,
        );
      }
      await this.#finish(row.id, "failed: authorization error");
      return refusal(
        "authorization_error",
        400,
        `Microsoft ended the sign-in with "${truncate(query.error, 60)}": ${truncate(query.error_description ?? "no description", 200)}. ${START_AGAIN}`,
        returnToPage,
      );
    }
    if (query.code === undefined || query.code === "") {
      await this.#finish(row.id, "failed: no code");
      return refusal(
        "code_missing",
        400,
        `The sign-in answer carries no authorization code. ${START_AGAIN}`,
        returnToPage,
      );
    }

    const { identity } = this.deps;
    let tokens: IssuedTokens;
    try {
      tokens = await identity.exchangeCode(rawQuery, { state, codeVerifier });
    } catch (error) {
      const failure = classifyProviderError(error);
      await this.#finish(row.id, `failed: ${failure.reason}`);
      if (failure.kind === "transient") {
        return refusal(
          "provider_unavailable",
          502,
          `Microsoft's sign-in service could not be reached to finish the sign-in (${failure.detail}). ${START_AGAIN}`,
          returnToPage,
        );
      }
      return refusal(
        "code_rejected",
        400,
        `Microsoft refused to finish the sign-in: ${failure.detail}. ${START_AGAIN}`,
        returnToPage,
      );
    }
    const refreshToken = tokens.refreshToken;
    if (refreshToken === undefined) {
      await this.#finish(row.id, "failed: no refresh token");
      return refusal(
        "no_refresh_token",
        400,
        `Microsoft issued no refresh token (the offline_access permission was not granted), so Ferry could not keep the connection alive. ${START_AGAIN}`,
        returnToPage,
      );
    }
    let profile: GraphProfile;
    try {
      profile = await fetchGraphProfile(this.deps.graphUrl, tokens.accessToken, this.deps.fetch);
    } catch (error) {
      await this.#finish(row.id, "failed: profile");
      const why = error instanceof GraphProfileError ? error.message : "reading the account's profile failed";
      return refusal("profile_failed", 502, `Signed in, but ${why}. ${START_AGAIN}`, returnToPage);
    }
    const held: HeldSignIn = { tokens: { ...tokens, refreshToken }, profile, receivedAt: Date.now() };
    await this.deps.db.kysely
      .updateTable("oauth_states")
      .set({
        pending_enc: this.deps.vault.encrypt(JSON.stringify(held), {
          table: "oauth_states",
          rowId: row.id,
          column: "pending_enc",
        }),
        pending_expires_at: held.receivedAt + CONFIRM_TTL_MS,
      })
      .where("id", "=", row.id)
      .execute();
    return { ok: true, flowId: row.id };
  }

  /** Step 4, shown: what the person is asked to confirm, if this browser may see it. */
  async confirmation(
    flowId: string,
    proof: FlowProof,
  ): Promise<{ ok: true; confirmation: Confirmation } | Refusal<ConfirmErrorCode>> {
    const found = await this.#held(flowId, proof);
    if (!found.ok) return found;
    const { row, held, secret } = found;
    const user = await this.deps.db.kysely
      .selectFrom("users")
      .select("name")
      .where("id", "=", row.user_id)
      .executeTakeFirstOrThrow();
    const current = await this.deps.store.byUser(row.user_id);
    return {
      ok: true,
      confirmation: {
        flowId,
        userName: user.name,
        account: { email: held.profile.email, name: held.profile.name },
        replaces: current === undefined ? null : (current.account_email ?? current.account_name ?? "?"),
        expiresAt: row.pending_expires_at ?? 0,
        returnToPage: row.redirect_to === "/",
        csrfToken: confirmToken(secret, flowId),
      },
    };
  }

  /** Step 4, answered: stores the connection, or drops the held tokens. */
  async confirm(
    flowId: string,
    proof: FlowProof,
    csrfToken: string,
    decision: "connect" | "cancel",
  ): Promise<ConfirmOutcome> {
    const found = await this.#held(flowId, proof);
    if (!found.ok) return found;
    const { row, held, secret } = found;
    const returnToPage = row.redirect_to === "/";
    if (!sameText(confirmToken(secret, flowId), csrfToken)) {
      return refusal(
        "csrf_failed",
        403,
        "This confirmation did not come from the page Ferry showed in this browser; nothing was stored. Reload that page and choose again.",
      );
    }
    if (decision === "cancel") {
      const cancelled = await this.#drop(row.id, "cancelled");
      if (!cancelled) return gone();
      return { ok: true, decision: "cancel", returnToPage };
    }
    const elapsedSeconds = Math.floor((Date.now() - held.receivedAt) / 1000);
    try {
      const connection = await this.deps.store.saveConnected({
        userId: row.user_id,
        profile: held.profile,
        // The access token has aged while the person read the page.
        tokens: {
          ...held.tokens,
          expiresInSeconds: Math.max(1, held.tokens.expiresInSeconds - elapsedSeconds),
        },
        flow: "code",
        alongside: async (trx) => {
          const result = await trx
            .updateTable("oauth_states")
            .set({ pending_enc: null, pending_expires_at: null, outcome: "connected" })
            .where("id", "=", row.id)
            .where("pending_enc", "is not", null)
            .where("pending_expires_at", ">", Date.now())
            .executeTakeFirst();
          // Confirmed twice at once, cancelled, expired, or the user disconnected meanwhile: store nothing.
          if (result.numUpdatedRows !== 1n) throw new FlowCancelled();
        },
      });
      return { ok: true, decision: "connect", connection, returnToPage };
    } catch (error) {
      if (error instanceof FlowCancelled) return gone();
      throw error;
    }
  }

  async #held(
    flowId: string,
    proof: FlowProof,
  ): Promise<{ ok: true; row: OAuthStateRow; held: HeldSignIn; secret: string } | Refusal<ConfirmErrorCode>> {
    const row = /^[0-9a-f-]{36}$/.test(flowId)
      ? await this.deps.db.kysely
          .selectFrom("oauth_states")
          .selectAll()
          .where("id", "=", flowId)
          .where("flow", "=", "code")
          .executeTakeFirst()
      : undefined;
    if (row === undefined) {
      return refusal(
        "confirm_unknown",
        400,
        `There is no OneDrive connection waiting to be confirmed here. ${START_AGAIN}`,
      );
    }
    const secret = proofSecret(row, proof);
    if (secret === undefined) {
      return refusal(
        "not_this_browser",
        403,
        "This OneDrive connection is waiting for the browser that started it; this one did not, so nothing is shown and nothing was stored.",
      );
    }
    if (row.pending_enc === null) return gone();
    if ((row.pending_expires_at ?? 0) <= Date.now()) {
      await this.#drop(row.id, "expired");
      return refusal(
        "confirm_expired",
        400,
        `This connection waited more than 5 minutes for your answer and was dropped. ${START_AGAIN}`,
        row.redirect_to === "/",
      );
    }
    const held = JSON.parse(
      this.deps.vault.decrypt(row.pending_enc, {
        table: "oauth_states",
        rowId: row.id,
        column: "pending_enc",
      }),
    ) as HeldSignIn;
    return { ok: true, row, held, secret };
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

  async #finish(id: string, outcome: string): Promise<void> {
    await this.deps.db.kysely.updateTable("oauth_states").set({ outcome }).where("id", "=", id).execute();
  }

  /** Drops held tokens; false if there were none (already confirmed or cancelled). */
  async #drop(id: string, outcome: string): Promise<boolean> {
    const result = await this.deps.db.kysely
      .updateTable("oauth_states")
      .set({ pending_enc: null, pending_expires_at: null, outcome })
      .where("id", "=", id)
      .where("pending_enc", "is not", null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /**
   * Keeps the user's newest MAX_CODE_FLOWS_PER_USER code flows, whatever their state. Only rows older than the
   * newest few this call sees are deleted, so a flow another request has just started (and handed out) survives
   * a trim that ran concurrently with it; that one's own trim catches up.
   */
  async #trim(userId: string): Promise<void> {
    const { db } = this.deps;
    const oldestKept = await db.kysely
      .selectFrom("oauth_states")
      .select(["created_at", "id"])
      .where("user_id", "=", userId)
      .where("flow", "=", "code")
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .offset(MAX_CODE_FLOWS_PER_USER - 1)
      .limit(1)
      .executeTakeFirst();
    if (oldestKept === undefined) return;
    await db.kysely
      .deleteFrom("oauth_states")
      .where("user_id", "=", userId)
      .where("flow", "=", "code")
      .where((eb) =>
        eb.or([
          eb("created_at", "<", oldestKept.created_at),
          eb.and([eb("created_at", "=", oldestKept.created_at), eb("id", "<", oldestKept.id)]),
        ]),
      )
      .execute();
  }
}

/** The secret the browser proved the flow with (its binding cookie, else its session cookie), or undefined. */
function proofSecret(row: OAuthStateRow, proof: FlowProof): string | undefined {
  if (
    proof.binding !== undefined &&
    row.binding_hash !== null &&
    isWellFormedToken(proof.binding) &&
    digestsEqual(hashToken(proof.binding), row.binding_hash)
  ) {
    return proof.binding;
  }
  if (proof.session !== undefined && proof.session.userId === row.user_id) return proof.session.token;
  return undefined;
}

function proves(row: OAuthStateRow, proof: FlowProof): boolean {
  return proofSecret(row, proof) !== undefined;
}

/** An HMAC of the flow id under the browser's proof: a page on another site can neither read nor compute it. */
function confirmToken(secret: string, flowId: string): string {
  return createHmac("sha256", secret)
    .update(CONFIRM_LABEL + flowId)
    .digest("base64url");
}

function sameText(expected: string, presented: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(presented, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function gone(): Refusal<ConfirmErrorCode> {
  return refusal(
    "confirm_unknown",
    400,
    `This connection was already confirmed or cancelled. ${START_AGAIN}`,
  );
}

function refusal<C extends string>(
  code: C,
  status: number,
  message: string,
  returnToPage = false,
): Refusal<C> {
  return { ok: false, code, status, message, returnToPage };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
