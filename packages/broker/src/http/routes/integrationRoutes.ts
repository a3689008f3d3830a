import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Integration } from "@ferry/api";
import type { FastifyInstance } from "fastify";
import { START_PATH } from "../../config.ts";
import { isDatabaseUnavailable } from "../../databaseErrors.ts";
import { NotConfiguredError, ONEDRIVE_SCOPES } from "../../onedrive/microsoftIdentity.ts";
import { classifyProviderError } from "../../onedrive/providerError.ts";
import type { ConnectionRow } from "../../schema.ts";
import { API_ROUTES } from "../apiSchemas.ts";
import { authenticator, requireAuth } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { HttpError } from "../httpError.ts";
import { iso } from "../isoTime.ts";

/** Microsoft has no endpoint through which an app can revoke its own grant; the user removes it here. */
export const REMOVE_ACCESS = {
  personal:
    "Personal Microsoft accounts: account.microsoft.com → Privacy → Apps and services (https://account.live.com/consent/Manage), then remove Ferry.",
  workOrSchool:
    "Work or school accounts: https://myapps.microsoft.com → Ferry → Manage your application → Revoke permissions.",
} as const;

export function integrationRoutes(ctx: BrokerContext) {
  const { authenticate } = authenticator(ctx);
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      "/api/v1/integrations",
      { onRequest: authenticate, schema: API_ROUTES["GET /api/v1/integrations"] },
      async (request) => {
        const { user } = requireAuth(request);
        if (request.query.check === "1") await checkConnection(ctx, user.id);
        const row = await ctx.connections.byUser(user.id);
        const device = await ctx.device.latest(user.id);
        return {
          integrations: [
            {
              provider: "onedrive" as const,
              ...describeConnection(row),
              requestedScopes: [...ONEDRIVE_SCOPES],
              deviceFlow:
                device === undefined
                  ? null
                  : { status: device.status, expiresAt: iso(device.expiresAt), detail: device.detail },
            },
          ],
        };
      },
    );

    app.post(
      "/api/v1/integrations/onedrive/connect",
      { onRequest: authenticate, schema: API_ROUTES["POST /api/v1/integrations/onedrive/connect"] },
      async (request) => {
        const auth = requireAuth(request);
        const body = request.body;
        const started = await ctx.authorization.start(auth.user.id, {
          // A flow started from the page goes back to the page; one started with an API key (the CLI) ends on a
          // plain "you can close this tab" page.
          returnToPage: auth.via === "session",
          loginHint: body.loginHint,
        });
        // The broker's own start link, not Microsoft's URL: opened as a page, it binds the flow to that browser
        // (see AuthorizationFlow) and only then goes on to Microsoft. The field keeps its name: it is still the URL
        // a person opens to authorize Ferry.
        return {
          authorizationUrl: `${ctx.config.publicUrl}${START_PATH}/${started.startToken}`,
          expiresAt: iso(started.expiresAt),
        };
      },
    );

    app.post(
      "/api/v1/integrations/onedrive/device",
      { onRequest: authenticate, schema: API_ROUTES["POST /api/v1/integrations/onedrive/device"] },
      async (request) => {
        const { user } = requireAuth(request);
        // Each start is a call to Microsoft's devicecode endpoint.
        ctx.microsoftCalls.spend("device", user.id);
        let started: Awaited<ReturnType<typeof ctx.device.start>>;
        try {
          started = await ctx.device.start(user.id);
        } catch (error) {
          // Only Microsoft's answers are provider errors; the broker's own failures (its database) are not.
          if (error instanceof NotConfiguredError || isDatabaseUnavailable(error)) throw error;
          const failure = classifyProviderError(error);
          throw new HttpError(
            502,
            "provider_error",
            `Microsoft did not start the device sign-in (${failure.detail}); nothing was stored. Try again shortly.`,
          );
        }
        return {
          userCode: started.userCode,
          verificationUri: started.verificationUri,
          expiresAt: iso(started.expiresAt),
          interval: started.intervalSeconds,
          message:
            started.message ?? `Open ${started.verificationUri} and enter the code ${started.userCode}.`,
        };
      },
    );

    app.get(
      "/api/v1/integrations/onedrive/device",
      { onRequest: authenticate, schema: API_ROUTES["GET /api/v1/integrations/onedrive/device"] },
      async (request) => {
        const { user } = requireAuth(request);
        const latest = await ctx.device.latest(user.id);
        if (latest === undefined) return { status: "none", expiresAt: null, detail: null } as const;
        return { status: latest.status, expiresAt: iso(latest.expiresAt), detail: latest.detail };
      },
    );

    app.post(
      "/api/v1/integrations/onedrive/token",
      { onRequest: authenticate, schema: API_ROUTES["POST /api/v1/integrations/onedrive/token"] },
      async (request) => {
        const { user } = requireAuth(request);
        const stale = request.body.staleExpiresAt;
        const token = await ctx.minter.mint(user.id, stale === undefined ? undefined : Date.parse(stale));
        return {
          accessToken: token.accessToken,
          expiresAt: iso(token.expiresAt),
          scope: token.scope,
          account: token.account,
        };
      },
    );

    app.delete(
      "/api/v1/integrations/onedrive",
      { onRequest: authenticate, schema: API_ROUTES["DELETE /api/v1/integrations/onedrive"] },
      async (request) => {
        const { user } = requireAuth(request);
        const removed = await ctx.connections.delete(user.id);
        ctx.minter.forget(user.id);
        request.log.info({ userId: user.id, wasConnected: removed !== undefined }, "OneDrive disconnected");
        return {
          disconnected: removed !== undefined,
          message:
            (removed === undefined
              ? "OneDrive was not connected; nothing was stored. "
              : `Disconnected ${removed.account_email ?? "OneDrive"}: every token Ferry stored for it is deleted. `) +
            "Your files in OneDrive are untouched. Microsoft has no way for an app to revoke its own access, so to remove " +
            "Ferry from your Microsoft account as well, do it there.",
          removeAccess: REMOVE_ACCESS,
        };
      },
    );
  };
}

/**
 * `?check=1` (the page asks on every load): the broker learns that a grant was revoked at Microsoft only when
 * Microsoft refuses a token, so a connection that looks `connected` is tried against Graph's /me. A 401 marks the
 * token stale and mints again, which refreshes; a refused refresh sets `needs_reconnect` exactly as a job's mint
 * would. Any other outcome (Graph down, refresh unavailable) leaves the status as stored: the check only reports.
 * Microsoft's own access tokens can stay valid until they expire after a revoke, so there it shows up within the
 * token's lifetime; the emulator refuses them at once.
 */
async function checkConnection(ctx: BrokerContext, userId: string): Promise<void> {
  const row = await ctx.connections.byUser(userId);
  if (row?.status !== "connected") return;
  try {
    const token = await ctx.minter.mint(userId);
    const me = await fetch(`${ctx.config.graphUrl}/me`, {
      headers: { authorization: `Bearer ${token.accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(10_000),
    });
    await me.body?.cancel();
    if (me.status === 401) await ctx.minter.mint(userId, token.expiresAt);
  } catch {
    // needs_reconnect is already stored by the minter; transient failures change nothing.
  }
}

function describeConnection(
  row: ConnectionRow | undefined,
): Omit<Integration, "provider" | "requestedScopes" | "deviceFlow"> {
  if (row === undefined) {
    return {
      status: "disconnected",
      account: null,
      scopes: [],
      connectedAt: null,
      lastRefreshAt: null,
      lastError: null,
    };
  }
  return {
    status: row.status,
    account: { email: row.account_email, name: row.account_name },
    scopes: row.scopes.split(/\s+/).filter((s) => s !== ""),
    connectedAt: iso(row.connected_at),
    lastRefreshAt: row.last_refresh_at === null ? null : iso(row.last_refresh_at),
    lastError: row.last_error,
  };
}
