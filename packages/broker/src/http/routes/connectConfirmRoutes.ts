import type { FastifyInstance, FastifyReply } from "fastify";
import { CONFIRM_PATH } from "../../config.ts";
import type { Refusal } from "../../onedrive/authorizationFlow.ts";
import { refuseCrossSite } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { flowProofOf, isTopLevelNavigation } from "../flowBinding.ts";
import { registerFormParser } from "../formBody.ts";
import { sendPage } from "../pages.ts";

const FLOW = { type: "string", maxLength: 64 } as const;

/**
 * The last step of a code flow, in the browser it is bound to: a page that says which Microsoft account is about
 * to be connected to which Ferry user, and Connect or Cancel. Only the POST of that page's form (same origin,
 * carrying an HMAC of the flow under this browser's binding cookie or session) stores the connection.
 */
export function connectConfirmRoutes(ctx: BrokerContext) {
  function refused(reply: FastifyReply, refusal: Refusal<string>) {
    if (refusal.returnToPage) {
      return reply
        .code(303)
        .header("location", `/?error=${encodeURIComponent(refusal.code)}`)
        .send();
    }
    return sendPage(reply, refusal.status, {
      title: "OneDrive not connected",
      heading: "OneDrive was not connected",
      paragraphs: [refusal.message],
      tone: "error",
    });
  }

  return async (app: FastifyInstance) => {
    app.get(
      CONFIRM_PATH,
      { schema: { querystring: { type: "object", properties: { flow: FLOW } } } },
      async (request, reply) => {
        if (!isTopLevelNavigation(request)) {
          return sendPage(reply, 403, {
            title: "Open this page directly",
            heading: "This page only works when opened as a page",
            paragraphs: [
              "The confirmation was loaded inside another page (a frame or an image), not opened as a page of its own; nothing was done.",
            ],
            tone: "error",
          });
        }
        const flowId = (request.query as { flow?: string }).flow ?? "";
        const shown = await ctx.authorization.confirmation(flowId, await flowProofOf(ctx, request));
        if (!shown.ok) return refused(reply, shown);
        const { confirmation: c } = shown;
        const account = c.account.name === null ? c.account.email : `${c.account.name} (${c.account.email})`;
        const minutes = Math.max(1, Math.ceil((c.expiresAt - Date.now()) / 60_000));
        // The form posts back here: same-origin lets the browser send this broker as its Origin (see the start page).
        reply.header("referrer-policy", "same-origin");
        return sendPage(reply, 200, {
          title: "Confirm the connection",
          heading: `Connect the OneDrive of ${c.account.email} to Ferry user ${c.userName}?`,
          paragraphs: [
            `Microsoft account: ${account}.`,
            `Ferry user: ${c.userName}. Jobs and people holding its API keys will be able to read and write every file in this OneDrive.`,
            ...(c.replaces === null
              ? []
              : [`This replaces the current connection of ${c.userName} (${c.replaces}).`]),
            `If you are not Ferry user ${c.userName}, or did not start this yourself, choose Cancel: nothing is stored. This question stays open for ${minutes} more minute${minutes === 1 ? "" : "s"}.`,
          ],
          form: {
            action: CONFIRM_PATH,
            fields: { flow: c.flowId, csrf: c.csrfToken },
            buttons: [
              { label: "Connect", name: "decision", value: "connect" },
              { label: "Cancel", name: "decision", value: "cancel", secondary: true },
            ],
          },
        });
      },
    );

    await app.register(async (form) => {
      registerFormParser(form);
      form.post(
        CONFIRM_PATH,
        {
          schema: {
            body: {
              type: "object",
              required: ["flow", "csrf", "decision"],
              additionalProperties: false,
              properties: {
                flow: FLOW,
                csrf: { type: "string", maxLength: 128 },
                decision: { enum: ["connect", "cancel"] },
              },
            },
          },
        },
        async (request, reply) => {
          refuseCrossSite(request, ctx.publicOrigin);
          const body = request.body as { flow: string; csrf: string; decision: "connect" | "cancel" };
          const outcome = await ctx.authorization.confirm(
            body.flow,
            await flowProofOf(ctx, request),
            body.csrf,
            body.decision,
          );
          if (!outcome.ok) {
            request.log.info({ outcome: outcome.code }, "OneDrive connection not confirmed");
            return refused(reply, outcome);
          }
          if (outcome.decision === "cancel") {
            request.log.info({ flow: "code" }, "OneDrive connection cancelled at confirmation");
            if (outcome.returnToPage) return reply.code(303).header("location", "/?error=cancelled").send();
            return sendPage(reply, 200, {
              title: "OneDrive not connected",
              heading: "Nothing was connected",
              paragraphs: ["You cancelled, and the sign-in's tokens were dropped. You can close this tab."],
              tone: "neutral",
            });
          }
          const { connection } = outcome;
          ctx.minter.forget(connection.user_id);
          request.log.info({ userId: connection.user_id, flow: "code" }, "OneDrive connected");
          if (outcome.returnToPage) return reply.code(303).header("location", "/?connected=onedrive").send();
          const who = connection.account_email ?? "your Microsoft account";
          return sendPage(reply, 200, {
            title: "OneDrive connected",
            heading: "OneDrive is connected",
            paragraphs: [
              `Ferry is connected to OneDrive as ${who}. Jobs holding your Ferry API key can now get access tokens.`,
              "You can close this tab.",
            ],
            tone: "ok",
          });
        },
      );
    });
  };
}
