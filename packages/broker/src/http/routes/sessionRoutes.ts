import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isLoginLinkUsable, redeemLoginLink } from "../../loginLinks.ts";
import { createSession, csrfTokenFor, endSession } from "../../sessions.ts";
import { API_ROUTES } from "../apiSchemas.ts";
import { authenticator, refuseCrossSite, requireAuth } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { sendFailedPage } from "../failedPage.ts";
import { registerFormParser, TOKEN_FIELD, TOKEN_FORM } from "../formBody.ts";
import { sendPage } from "../pages.ts";
import { clearSessionCookie, setSessionCookie } from "../sessionCookie.ts";

/**
 * Web sign-in: opening a one-time login link shows a "Sign in" button, and pressing it (a POST from this page)
 * redeems the link and starts a session cookie; `GET /api/v1/session` hands the page its user and CSRF token;
 * `POST /api/v1/logout` ends it. `GET /api/v1/me` says who a key or session belongs to.
 *
 * Opening the link does not use it up: chat and mail link previews fetch URLs on their own, and a GET that
 * redeemed would spend the link and hand the session cookie to the previewing service.
 */
export function sessionRoutes(ctx: BrokerContext) {
  const { authenticate } = authenticator(ctx);

  function invalidLink(request: FastifyRequest, reply: FastifyReply) {
    return sendFailedPage(ctx, request, reply, "login_link", 400, {
      title: "Sign-in link not valid",
      heading: "This sign-in link does not work",
      paragraphs: [
        "It is unknown, expired (links last 15 minutes) or already used (each works once).",
        "Ask an admin for a new one, or run `ferry dev` again to print one.",
      ],
      tone: "error",
    });
  }

  async function showSignIn(request: FastifyRequest, reply: FastifyReply, token: string | undefined) {
    if (token === undefined || !(await isLoginLinkUsable(ctx.db, token))) return invalidLink(request, reply);
    // Under the broker's usual no-referrer policy a browser posts this form with `Origin: null`, which the
    // login-CSRF check must refuse; same-origin lets it name this broker, and still sends nothing elsewhere.
    reply.header("referrer-policy", "same-origin");
    return sendPage(reply, 200, {
      title: "Sign in",
      heading: "Sign in to Ferry",
      paragraphs: ["This one-time link signs you in to the Integrations & Secrets page in this browser."],
      form: { action: "/login", fields: { token }, buttons: [{ label: "Sign in" }] },
    });
  }

  async function signIn(request: FastifyRequest, reply: FastifyReply, token: string) {
    // Login CSRF: another site must not submit its own link and sign this browser in as someone else.
    refuseCrossSite(request, ctx.publicOrigin);
    const redeemed = await redeemLoginLink(ctx.db, token);
    if (redeemed === undefined) return invalidLink(request, reply);
    const session = await createSession(ctx.db, { userId: redeemed.userId });
    setSessionCookie(reply, ctx.config, session.token);
    request.log.info({ userId: redeemed.userId }, "signed in with a login link");
    // 303 so the browser lands on the page with a GET, and a reload does not post the form again.
    return reply.code(303).header("location", "/").send();
  }

  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      "/login/:token",
      { schema: { params: { type: "object", properties: { token: TOKEN_FIELD } } } },
      (request, reply) => showSignIn(request, reply, (request.params as { token: string }).token),
    );
    app.get(
      "/login",
      { schema: { querystring: { type: "object", properties: { token: TOKEN_FIELD } } } },
      (request, reply) => showSignIn(request, reply, (request.query as { token?: string }).token),
    );
    // Its own scope, so the form body parser applies to this one route and every API route still takes JSON only.
    await app.register(async (form) => {
      registerFormParser(form);
      form.post("/login", { schema: { body: TOKEN_FORM } }, (request, reply) =>
        signIn(request, reply, (request.body as { token: string }).token),
      );
    });

    app.post(
      "/api/v1/logout",
      { onRequest: authenticate, schema: API_ROUTES["POST /api/v1/logout"] },
      async (request, reply) => {
        const auth = requireAuth(request);
        if (auth.sessionToken !== undefined) await endSession(ctx.db, auth.sessionToken);
        clearSessionCookie(reply, ctx.config);
        return reply.code(204).send();
      },
    );

    app.get(
      "/api/v1/session",
      { onRequest: authenticate, schema: API_ROUTES["GET /api/v1/session"] },
      async (request) => {
        const auth = requireAuth(request);
        return {
          user: { id: auth.user.id, name: auth.user.name, isAdmin: auth.user.isAdmin },
          via: auth.via,
          // Only a cookie session needs one; API-key requests are not exposed to CSRF.
          csrfToken: auth.sessionToken === undefined ? null : csrfTokenFor(auth.sessionToken),
        };
      },
    );

    app.get(
      "/api/v1/me",
      { onRequest: authenticate, schema: API_ROUTES["GET /api/v1/me"] },
      async (request) => {
        const auth = requireAuth(request);
        return {
          user: { id: auth.user.id, name: auth.user.name, isAdmin: auth.user.isAdmin },
          via: auth.via,
          keyId: auth.apiKeyId ?? null,
        };
      },
    );
  };
}
