import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import type { BrokerContext } from "../context.ts";
import { sendPage } from "../pages.ts";

/** Codes the callback sends the page in `?error=`, in words; unknown codes are not echoed. */
const CALLBACK_ERRORS: Record<string, string> = {
  access_denied: "You declined the connection at Microsoft; nothing was stored.",
  state_expired: "The sign-in took longer than 10 minutes and expired; nothing was stored.",
  state_used: "That sign-in was already used; start a new one.",
  state_unknown: "That sign-in answer did not belong to this broker; nothing was stored.",
  wrong_user: "That sign-in was started by another Ferry user; it was not completed.",
  code_rejected: "Microsoft refused to finish the sign-in; nothing was stored.",
  provider_unavailable: "Microsoft could not be reached to finish the sign-in; try again.",
  profile_failed: "Signed in, but the account's profile could not be read; nothing was stored.",
  no_refresh_token:
    "Microsoft granted no offline access, so the connection could not be kept; nothing was stored.",
  authorization_error: "Microsoft ended the sign-in with an error; nothing was stored.",
  cancelled: "You cancelled the connection before it was stored; nothing was stored.",
  confirm_expired: "The connection waited more than 5 minutes for your answer; nothing was stored.",
};

/**
 * `/`: the Integrations & Secrets page. When a built page exists (packages/web's build output, or the directory
 * startBroker is given) its files are served from there; until then a placeholder says what the broker is.
 */
export function webRoutes(ctx: BrokerContext) {
  return async (app: FastifyInstance) => {
    const webDir = ctx.webDir;
    if (webDir !== undefined && existsSync(join(webDir, "index.html"))) {
      // wildcard: false registers one route per file found at start, so unknown paths fall through to the JSON 404.
      await app.register(fastifyStatic, {
        root: webDir,
        prefix: "/",
        wildcard: false,
        index: ["index.html"],
        setHeaders(res, path) {
          // The page's CSP comes with every answer (securityHeaders.ts); its HTML is checked for a new build on
          // every load.
          if (path.endsWith(".html")) res.header("cache-control", "no-cache");
        },
      });
      return;
    }
    app.get("/", async (request, reply) => {
      const query = request.query as { error?: unknown; connected?: unknown };
      const notes: string[] = [];
      if (query.connected === "onedrive") notes.push("OneDrive is connected.");
      if (typeof query.error === "string")
        notes.push(CALLBACK_ERRORS[query.error] ?? "The last sign-in did not complete.");
      return sendPage(reply, 200, {
        title: "Ferry broker",
        heading: "Ferry broker",
        paragraphs: [
          ...notes,
          "This broker keeps your OneDrive connection and hands jobs short-lived access tokens. The Integrations & " +
            "Secrets page is not built: run `npm run build -w @ferry/web` and restart the broker. Meanwhile use " +
            "the HTTP API under /api/v1 or the `ferry` command.",
        ],
        tone: notes.length > 0 && typeof query.error === "string" ? "error" : "neutral",
      });
    });
  };
}
