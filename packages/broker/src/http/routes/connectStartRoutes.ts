import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { START_PATH } from "../../config.ts";
import type { StartLink } from "../../onedrive/authorizationFlow.ts";
import { refuseCrossSite } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { sendFailedPage } from "../failedPage.ts";
import { bindingFor, flowProofOf, isTopLevelNavigation, setBindingCookie } from "../flowBinding.ts";
import { registerFormParser, TOKEN_FIELD, TOKEN_FORM } from "../formBody.ts";
import { sendPage } from "../pages.ts";

/**
 * The broker URL that `POST …/onedrive/connect` hands out (`/integrations/onedrive/start/<token>`), the only way
 * into a code flow:
 *
 * - refused unless it is a top-level page load (an `<img>` or `<iframe>` on another site gets a 403 and binds
 *   nothing; the broker's pages also refuse to be framed);
 * - in a browser signed in to Ferry as the flow's own user (a flow started from the page), it binds the browser
 *   and goes straight on to Microsoft;
 * - in a browser signed in as another Ferry user, it is refused with an explanation;
 * - otherwise it shows a page naming the Ferry user who started the flow, with a Continue button. Opening the link
 *   uses nothing up (chat and mail link previews fetch URLs by themselves); the button's same-origin POST binds
 *   this browser and goes on to Microsoft.
 */
export function connectStartRoutes(ctx: BrokerContext) {
  function notAPage(reply: FastifyReply) {
    return sendPage(reply, 403, {
      title: "Open this link as a page",
      heading: "This link only works when opened as a page",
      paragraphs: [
        "A OneDrive connection link was loaded inside another page (as an image, a frame or a script), not opened in " +
          "the browser's address bar. Nothing was done.",
        "If you are connecting your own OneDrive, open the link from `ferry integrations onedrive connect` directly in " +
          "your browser.",
      ],
      tone: "error",
    });
  }

  function refusedLink(request: FastifyRequest, reply: FastifyReply, code: string, message: string) {
    const page = {
      title: "Link not valid",
      heading: "This OneDrive connection link does not work",
      paragraphs: [message],
      tone: "error" as const,
    };
    // Only a token that matches nothing is a guess; a used or expired one was real.
    if (code === "start_unknown") return sendFailedPage(ctx, request, reply, "connect_link", 400, page);
    return sendPage(reply, 400, page);
  }

  function otherUser(reply: FastifyReply, link: StartLink, signedInAs: string) {
    return sendPage(reply, 403, {
      title: "Link of another Ferry user",
      heading: "This link belongs to another Ferry user",
      paragraphs: [
        `It connects a OneDrive to Ferry user ${link.userName}, but this browser is signed in to Ferry as ${signedInAs}. Nothing was done.`,
        `If someone sent you this link, do not use it: it would connect your Microsoft account to their Ferry user, and their jobs could then read and write your files.`,
        "To connect your own OneDrive, use Connect OneDrive on your Integrations page, or `ferry integrations onedrive connect` with your own API key.",
      ],
      tone: "error",
    });
  }

  async function bindAndGo(request: FastifyRequest, reply: FastifyReply, token: string) {
    const binding = bindingFor(request, ctx.config);
    const bound = await ctx.authorization.bind(token, binding);
    if (!bound.ok) return refusedLink(request, reply, bound.code, bound.message);
    setBindingCookie(reply, ctx.config, binding);
    request.log.info({ flow: "code" }, "OneDrive sign-in bound to a browser; going to Microsoft");
    return reply.code(303).header("location", bound.authorizationUrl).send();
  }

  async function signedInName(userId: string): Promise<string> {
    const row = await ctx.db.kysely
      .selectFrom("users")
      .select("name")
      .where("id", "=", userId)
      .executeTakeFirst();
    return row?.name ?? "another user";
  }

  async function open(request: FastifyRequest, reply: FastifyReply) {
    if (!isTopLevelNavigation(request)) return notAPage(reply);
    const token = (request.params as { token: string }).token;
    const link = await ctx.authorization.describeStart(token);
    if (link === undefined) {
      return refusedLink(
        request,
        reply,
        "start_unknown",
        "It does not belong to any OneDrive connection this Ferry broker started. Nothing was done.",
      );
    }
    if (link.status !== "usable") {
      return refusedLink(
        request,
        reply,
        `start_${link.status}`,
        link.status === "used"
          ? "It was already opened; each link works once. Start again with `ferry integrations onedrive connect` or Connect OneDrive."
          : "It expired: it has to be opened within 10 minutes. Start again with `ferry integrations onedrive connect` or Connect OneDrive.",
      );
    }
    const { session } = await flowProofOf(ctx, request);
    if (session !== undefined && session.userId === link.userId) return bindAndGo(request, reply, token);
    if (session !== undefined) return otherUser(reply, link, await signedInName(session.userId));
    // The form posts back to this broker; under the usual no-referrer policy the browser would send `Origin: null`,
    // which the POST must refuse. same-origin lets it name this broker and still sends nothing elsewhere.
    reply.header("referrer-policy", "same-origin");
    const minutes = Math.max(0, Math.round((Date.now() - link.createdAt) / 60_000));
    const when = minutes === 0 ? "just now" : minutes === 1 ? "a minute ago" : `${minutes} minutes ago`;
    const where = link.fromPage
      ? "on the Integrations page"
      : "from the command line or a program holding one of its API keys";
    return sendPage(reply, 200, {
      title: "Connect OneDrive",
      heading: `Connect a OneDrive to Ferry user ${link.userName}?`,
      paragraphs: [
        `Ferry user ${link.userName} started connecting a OneDrive ${where}, ${when}.`,
        "If that was you: continue, pick your Microsoft account, and Ferry asks you once more before it stores anything.",
        `If it was not you, or you do not know Ferry user ${link.userName}, close this tab. Whoever sent you this link may be trying to get your Microsoft account connected to their Ferry user, so that their jobs can read and write your files.`,
      ],
      form: {
        action: START_PATH,
        fields: { token },
        buttons: [{ label: "Continue to Microsoft" }],
        // The POST answers 303 to Microsoft's sign-in page; the form-action CSP must allow that redirect.
        redirectsTo: [new URL(ctx.config.microsoft.authority).origin],
      },
    });
  }

  async function proceed(request: FastifyRequest, reply: FastifyReply) {
    // Another site must not press the button for the person.
    refuseCrossSite(request, ctx.publicOrigin);
    const token = (request.body as { token: string }).token;
    const { session } = await flowProofOf(ctx, request);
    if (session !== undefined) {
      const link = await ctx.authorization.describeStart(token);
      if (link !== undefined && link.userId !== session.userId) {
        return otherUser(reply, link, await signedInName(session.userId));
      }
    }
    return bindAndGo(request, reply, token);
  }

  return async (app: FastifyInstance) => {
    app.get(
      `${START_PATH}/:token`,
      { schema: { params: { type: "object", properties: { token: TOKEN_FIELD } } } },
      open,
    );
    await app.register(async (form) => {
      registerFormParser(form);
      form.post(START_PATH, { schema: { body: TOKEN_FORM } }, proceed);
    });
  };
}
