import type { FastifyReply, FastifyRequest } from "fastify";
import { getSession, verifyCsrfToken } from "../sessions.ts";
import { getUser, type User } from "../users.ts";
import type { BrokerContext } from "./context.ts";
import { HttpError } from "./httpError.ts";
import { clearSessionCookie, sessionCookieOf } from "./sessionCookie.ts";

export interface AuthContext {
  user: User;
  via: "api_key" | "session";
  /** The API key's id (never the key) when authenticated by key. */
  apiKeyId: string | undefined;
  /** The session cookie's value when authenticated by session, for logout and the CSRF token. */
  sessionToken: string | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    auth: AuthContext | undefined;
  }
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The onRequest hook of every /api/v1 route (before the body is read): `Authorization: Bearer <API key>` or the session cookie.
 * A session is read from the database on every request; a key may be remembered, but never past a revocation
 * (ApiKeyVerifier). So a revoked key, an ended session or a disabled user is refused on the very next request by
 * every broker instance.
 *
 * Bearer requests need no CSRF protection: a browser never attaches an Authorization header on its own, and a
 * cross-site page could only send one through CORS, which the broker does not allow. Cookie requests that change
 * something must come from the broker's own origin (Sec-Fetch-Site and Origin, when the browser sends them) and
 * carry the session's CSRF token in X-CSRF-Token; SameSite=Lax on the cookie is a third layer.
 */
export function authenticator(ctx: BrokerContext) {
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      const verified = presented === undefined ? undefined : await ctx.apiKeys.verify(presented);
      if (verified === undefined) {
        refuseFailed(
          ctx,
          request,
          "api_key",
          new HttpError(
            401,
            "unauthorized",
            "The API key is missing, malformed, unknown or revoked (or its user is disabled). Send " +
              "`Authorization: Bearer fry_…` with a key from `ferry keys create`.",
          ),
          keyIdOf(presented),
        );
      }
      request.auth = {
        user: verified.user,
        via: "api_key",
        apiKeyId: verified.apiKey.id,
        sessionToken: undefined,
      };
      return;
    }
    const cookie = sessionCookieOf(request, ctx.config);
    if (cookie !== undefined) {
      const session = await getSession(ctx.db, cookie);
      const user = session === undefined ? undefined : await getUser(ctx.db, session.userId);
      if (user === undefined || user.disabledAt !== null) {
        clearSessionCookie(reply, ctx.config);
        refuseFailed(
          ctx,
          request,
          "session",
          new HttpError(
            401,
            "unauthorized",
            "Your Ferry session has ended or is not valid. Open a new login link (an admin creates one, or `ferry dev` prints one).",
          ),
        );
      }
      if (STATE_CHANGING.has(request.method)) checkCsrf(request, cookie, ctx.publicOrigin);
      request.auth = { user, via: "session", apiKeyId: undefined, sessionToken: cookie };
      return;
    }
    throw new HttpError(
      401,
      "unauthorized",
      "Sign in first: send `Authorization: Bearer <API key>` (create one with `ferry keys create`), or open a login link in this browser.",
    );
  }

  async function authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await authenticate(request, reply);
    if (!request.auth?.user.isAdmin) {
      throw new HttpError(
        403,
        "forbidden",
        "This needs an admin user's API key; ask an admin of this Ferry broker.",
      );
    }
  }

  return { authenticate, authenticateAdmin };
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (request.auth === undefined) throw new Error("route reached without authentication");
  return request.auth;
}

/**
 * Refuses a request a browser says came from another site: Sec-Fetch-Site and Origin, when sent, must name this
 * broker. Clients that are not browsers send neither and are not exposed to CSRF.
 */
export function refuseCrossSite(request: FastifyRequest, publicOrigin: string): void {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new HttpError(
      403,
      "csrf_failed",
      "Refused a cross-site request made with your Ferry session cookie.",
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== publicOrigin) {
    throw new HttpError(
      403,
      "csrf_failed",
      `Refused a request from origin ${origin.slice(0, 100)}: only pages served by this broker (${publicOrigin}) may make changes with your session.`,
    );
  }
}

function checkCsrf(request: FastifyRequest, sessionToken: string, publicOrigin: string): void {
  refuseCrossSite(request, publicOrigin);
  const presented = request.headers["x-csrf-token"];
  if (typeof presented !== "string" || !verifyCsrfToken(sessionToken, presented)) {
    throw new HttpError(
      403,
      "csrf_failed",
      "This change needs the X-CSRF-Token header of your session (the page gets it from GET /api/v1/session); reload the page and try again.",
    );
  }
}

/**
 * A failed credential: counted against the client address (and `prefix`, a key id, when there is one) and in the
 * metrics. Returns 0, or the seconds to wait when that address or prefix has failed too often (then answer 429).
 */
export function failed(ctx: BrokerContext, request: FastifyRequest, kind: string, prefix?: string): number {
  ctx.metrics.authFailures.inc({ kind });
  const wait = ctx.limiter.fail(request.ip, prefix === undefined ? undefined : `${kind}:${prefix}`);
  if (wait > 0) ctx.metrics.rateLimited.inc();
  return wait;
}

/** Throws `refusal` for a failed credential, or a 429 with Retry-After once its address or prefix failed too often. */
export function refuseFailed(
  ctx: BrokerContext,
  request: FastifyRequest,
  kind: string,
  refusal: HttpError,
  prefix?: string,
): never {
  const wait = failed(ctx, request, kind, prefix);
  if (wait > 0) {
    throw new HttpError(
      429,
      "rate_limited",
      `Too many failed sign-in attempts from your address or with this credential; try again in ${wait} s.`,
      { "retry-after": String(wait) },
    );
  }
  throw refusal;
}

/** The key id of something shaped like an API key (`fry_<16 hex>_…`), to count guesses at one key. */
function keyIdOf(presented: string | undefined): string | undefined {
  return presented === undefined ? undefined : /^fry_([0-9a-f]{16})_/.exec(presented)?.[1];
}
