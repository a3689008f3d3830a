import type { FastifyInstance } from "fastify";
import { CALLBACK_PATH } from "../../config.ts";
import { getSession } from "../../sessions.ts";
import { failed } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { sendPage } from "../pages.ts";
import { refuseRateLimited } from "../rateLimitedPage.ts";
import { SESSION_COOKIE } from "../sessionCookie.ts";

const PARAM = { type: "string", maxLength: 4096 } as const;

/**
 * The OAuth redirect URI. It finishes the authorization-code flow, then either sends the browser back to the page
 * (flows started there) with `?connected=onedrive` or `?error=<code>`, or shows a page saying what happened (flows
 * started from the CLI). Every failure leaves no connection written.
 */
export function callbackRoute(ctx: BrokerContext) {
  return async (app: FastifyInstance) => {
    app.get(
      CALLBACK_PATH,
      {
        schema: {
          // Microsoft adds parameters of its own (session_state, error_uri…), so unknown ones are allowed here.
          querystring: {
            type: "object",
            properties: { code: PARAM, state: PARAM, error: PARAM, error_description: PARAM },
          },
        },
      },
      async (request, reply) => {
        const limited = refuseRateLimited(ctx, request, reply);
        if (limited) return limited;
        const query = request.query as Record<string, string | undefined>;
        const rawQuery = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
        const cookie = request.cookies[SESSION_COOKIE];
        const session = cookie ? await getSession(ctx.db, cookie) : undefined;
        const outcome = await ctx.authorization.complete(query, rawQuery, session?.userId);

        if (outcome.ok) {
          ctx.minter.forget(outcome.connection.user_id);
          request.log.info({ userId: outcome.connection.user_id, flow: "code" }, "OneDrive connected");
          if (outcome.returnToPage) return reply.code(303).header("location", "/?connected=onedrive").send();
          const who = outcome.connection.account_email ?? "your Microsoft account";
          return sendPage(reply, 200, {
            title: "OneDrive connected",
            heading: "OneDrive is connected",
            paragraphs: [
              `Ferry is connected to OneDrive as ${who}. Jobs holding your Ferry API key can now get access tokens.`,
              "You can close this tab.",
            ],
            tone: "ok",
          });
        }
        if (outcome.code === "state_unknown") failed(ctx, request.ip, "oauth_state");
        request.log.info({ outcome: outcome.code }, "OneDrive sign-in not completed");
        if (outcome.returnToPage) {
          return reply
            .code(303)
            .header("location", `/?error=${encodeURIComponent(outcome.code)}`)
            .send();
        }
        return sendPage(reply, outcome.status, {
          title: "OneDrive not connected",
          heading:
            outcome.code === "access_denied" ? "You declined the connection" : "OneDrive was not connected",
          paragraphs: [outcome.message],
          tone: "error",
        });
      },
    );
  };
}
