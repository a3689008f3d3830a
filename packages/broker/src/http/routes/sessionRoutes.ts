import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { redeemLoginLink } from "../../loginLinks.ts";
import { createSession, csrfTokenFor, endSession } from "../../sessions.ts";
import { authenticator, failed, requireAuth } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { sendPage } from "../pages.ts";
import { refuseRateLimited } from "../rateLimitedPage.ts";
import { clearSessionCookie, setSessionCookie } from "../sessionCookie.ts";

const TOKEN = { type: "string", maxLength: 256 } as const;

/**
 * Web sign-in: a one-time login link starts a session cookie; `GET /api/v1/session` hands the page its user and
 * CSRF token; `POST /api/v1/logout` ends it. `GET /api/v1/me` says who a key or session belongs to.
 */
export function sessionRoutes(ctx: BrokerContext) {
  const { authenticate } = authenticator(ctx);

  async function login(request: FastifyRequest, reply: FastifyReply, token: string | undefined) {
    const limited = refuseRateLimited(ctx, request, reply);
    if (limited) return limited;
    const redeemed = token === undefined ? undefined : await redeemLoginLink(ctx.db, token);
    if (redeemed === undefined) {
      failed(ctx, request.ip, "login_link");
      return sendPage(reply, 400, {
        title: "Sign-in link not valid",
        heading: "This sign-in link does not work",
        paragraphs: [
          "It is unknown, expired (links last 15 minutes) or already used (each works once).",
          "Ask an admin for a new one, or run `ferry dev` again to print one.",
        ],
        tone: "error",
      });
    }
    const session = await createSession(ctx.db, { userId: redeemed.userId });
    setSessionCookie(reply, ctx.config, session.token);
    request.log.info({ userId: redeemed.userId }, "signed in with a login link");
    // 303 so the browser lands on the page with a GET, and the link (with its token) leaves the address bar.
    return reply.code(303).header("location", "/").send();
  }

  return async (app: FastifyInstance) => {
    app.get(
      "/login/:token",
      { schema: { params: { type: "object", properties: { token: TOKEN } } } },
      (request, reply) => login(request, reply, (request.params as { token: string }).token),
    );
    app.get(
      "/login",
      { schema: { querystring: { type: "object", properties: { token: TOKEN } } } },
      (request, reply) => login(request, reply, (request.query as { token?: string }).token),
    );

    app.post(
      "/api/v1/logout",
      {
        onRequest: authenticate,
        schema: { body: { type: "object", additionalProperties: false, properties: {} } },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        if (auth.sessionToken !== undefined) await endSession(ctx.db, auth.sessionToken);
        clearSessionCookie(reply, ctx.config);
        return reply.code(204).send();
      },
    );

    app.get("/api/v1/session", { onRequest: authenticate }, async (request) => {
      const auth = requireAuth(request);
      return {
        user: { id: auth.user.id, name: auth.user.name, isAdmin: auth.user.isAdmin },
        via: auth.via,
        // Only a cookie session needs one; API-key requests are not exposed to CSRF.
        csrfToken: auth.sessionToken === undefined ? null : csrfTokenFor(auth.sessionToken),
      };
    });

    app.get("/api/v1/me", { onRequest: authenticate }, async (request) => {
      const auth = requireAuth(request);
      return {
        user: { id: auth.user.id, name: auth.user.name, isAdmin: auth.user.isAdmin },
        via: auth.via,
        keyId: auth.apiKeyId ?? null,
      };
    });
  };
}
