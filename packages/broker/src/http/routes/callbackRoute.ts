import type { FastifyInstance } from "fastify";
import { CALLBACK_PATH, CONFIRM_PATH } from "../../config.ts";
import type { BrokerContext } from "../context.ts";
import { sendFailedPage } from "../failedPage.ts";
import { flowProofOf, isTopLevelNavigation } from "../flowBinding.ts";
import { sendPage } from "../pages.ts";

const PARAM = { type: "string", maxLength: 4096 } as const;

const NOT_THIS_BROWSER = [
  "If you started it: finish it in the browser where you opened the link from `ferry integrations onedrive connect` " +
    "(or pressed Connect OneDrive), or start again there.",
  "If you did not start it, close this tab. Someone may have tried to get your Microsoft account connected to their " +
    "Ferry user; nothing of yours was connected.",
];

/**
 * The OAuth redirect URI. It finishes the sign-in only in the browser the flow is bound to (see
 * AuthorizationFlow), then sends that browser to the confirmation page; refusals explain themselves on a page (or,
 * for a flow started from the page and answered in its own browser, go back to the page with `?error=<code>`).
 * A refusal for want of proof leaves the sign-in as it was.
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
        if (!isTopLevelNavigation(request)) {
          // An <img> or <iframe> on another page: never a person finishing a sign-in.
          request.log.info({ outcome: "not_a_page" }, "OneDrive sign-in not completed");
          return sendPage(reply, 403, {
            title: "OneDrive not connected",
            heading: "This sign-in was not completed",
            paragraphs: [
              "The answer from Microsoft was loaded inside another page, not as a page of its own; Ferry stored nothing and left the sign-in as it was.",
              ...NOT_THIS_BROWSER,
            ],
            tone: "error",
          });
        }
        const query = request.query as Record<string, string | undefined>;
        const rawQuery = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
        const outcome = await ctx.authorization.complete(query, rawQuery, await flowProofOf(ctx, request));

        if (outcome.ok) {
          request.log.info({ flow: "code" }, "OneDrive sign-in redeemed; waiting for confirmation");
          return reply
            .code(303)
            .header("location", `${CONFIRM_PATH}?flow=${encodeURIComponent(outcome.flowId)}`)
            .send();
        }
        request.log.info({ outcome: outcome.code }, "OneDrive sign-in not completed");
        if (outcome.retryAfter !== undefined) reply.header("retry-after", String(outcome.retryAfter));
        if (outcome.returnToPage) {
          return reply
            .code(303)
            .header("location", `/?error=${encodeURIComponent(outcome.code)}`)
            .send();
        }
        const page = {
          title: "OneDrive not connected",
          heading:
            outcome.code === "access_denied"
              ? "You declined the connection"
              : outcome.code === "not_this_browser" || outcome.code === "wrong_user"
                ? "This sign-in was not completed"
                : "OneDrive was not connected",
          paragraphs:
            outcome.code === "not_this_browser" ? [outcome.message, ...NOT_THIS_BROWSER] : [outcome.message],
          tone: "error" as const,
        };
        if (outcome.code === "state_unknown") {
          return sendFailedPage(ctx, request, reply, "oauth_state", outcome.status, page);
        }
        return sendPage(reply, outcome.status, page);
      },
    );
  };
}
