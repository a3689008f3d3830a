import type { FastifyReply, FastifyRequest } from "fastify";
import type { BrokerConfig } from "../config.ts";
import { CONFIRM_TTL_MS, type FlowProof, STATE_TTL_MS } from "../onedrive/authorizationFlow.ts";
import { getSession } from "../sessions.ts";
import { isWellFormedToken, randomToken } from "../tokens.ts";
import type { BrokerContext } from "./context.ts";
import { sessionCookieOf } from "./sessionCookie.ts";

const BINDING_COOKIE = "ferry_connect";

/**
 * The flow-binding cookie: a random value per browser, whose hash a code flow stores when that browser opens the
 * flow's start link. `__Host-` on https for the session cookie's reasons (no sibling subdomain can plant one); the
 * prefix requires Path=/, so it is not narrowed to the connect routes. HttpOnly; SameSite=Lax, so a cross-site
 * `<img>`, `<iframe>` or form POST never carries it, and a top-level link from another site carries only the
 * victim's own value, which matches none of the attacker's flows.
 */
export function bindingCookieName(config: Pick<BrokerConfig, "secureCookies">): string {
  return config.secureCookies ? `__Host-${BINDING_COOKIE}` : BINDING_COOKIE;
}

/** The browser's binding value, or a new one when it has none (one value serves every flow it opens). */
export function bindingFor(request: FastifyRequest, config: BrokerConfig): string {
  const current = request.cookies[bindingCookieName(config)];
  return current !== undefined && isWellFormedToken(current) ? current : randomToken();
}

export function setBindingCookie(reply: FastifyReply, config: BrokerConfig, value: string): void {
  reply.setCookie(bindingCookieName(config), value, {
    httpOnly: true,
    sameSite: "lax",
    secure: config.secureCookies,
    path: "/",
    // Long enough for Microsoft and the confirmation; a later flow in the same browser renews it.
    maxAge: Math.floor((STATE_TTL_MS + CONFIRM_TTL_MS) / 1000),
  });
}

/** What this request's browser can show to claim a flow: its binding cookie and its Ferry session, if any. */
export async function flowProofOf(ctx: BrokerContext, request: FastifyRequest): Promise<FlowProof> {
  const binding = request.cookies[bindingCookieName(ctx.config)];
  const token = sessionCookieOf(request, ctx.config);
  const session = token === undefined ? undefined : await getSession(ctx.db, token);
  return {
    binding: binding === undefined || binding === "" ? undefined : binding,
    session: session === undefined || token === undefined ? undefined : { userId: session.userId, token },
  };
}

/**
 * False when the browser says this request is not a top-level page load: an `<img>`, `<iframe>`, `<script>`,
 * `fetch()`… (Sec-Fetch-Dest and Sec-Fetch-Mode, which every current browser sends and no page can forge). A
 * request without them (an older browser, curl) counts as a page load; the binding cookie still decides.
 */
export function isTopLevelNavigation(request: FastifyRequest): boolean {
  const dest = request.headers["sec-fetch-dest"];
  const mode = request.headers["sec-fetch-mode"];
  if (dest !== undefined && dest !== "document") return false;
  if (mode !== undefined && mode !== "navigate") return false;
  return true;
}
