import type { FastifyReply, FastifyRequest } from "fastify";
import type { BrokerConfig } from "../config.ts";
import { SESSION_TTL_MS } from "../sessions.ts";

/** The session cookie's name over plain http (a local broker); see sessionCookieName. */
export const SESSION_COOKIE = "ferry_session";

/**
 * `__Host-ferry_session` when browsers reach the broker over https: the prefix makes the browser refuse the cookie
 * unless it is Secure, has no Domain and has Path=/, so a sibling subdomain cannot plant a session cookie of its
 * own choosing (login CSRF by cookie tossing) or widen this one. Plain http cannot carry Secure cookies, so a
 * local broker keeps the bare name.
 */
export function sessionCookieName(config: Pick<BrokerConfig, "secureCookies">): string {
  return config.secureCookies ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

export function sessionCookieOf(request: FastifyRequest, config: BrokerConfig): string | undefined {
  const value = request.cookies[sessionCookieName(config)];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * HttpOnly so page scripts cannot read it, SameSite=Lax so other sites' requests do not carry it on anything but
 * top-level navigations (and those are GETs, which change nothing), Secure whenever browsers reach the broker
 * over https (a Secure cookie would never come back over plain http).
 */
export function setSessionCookie(reply: FastifyReply, config: BrokerConfig, token: string): void {
  reply.setCookie(sessionCookieName(config), token, {
    httpOnly: true,
    sameSite: "lax",
    secure: config.secureCookies,
    path: "/",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: BrokerConfig): void {
  reply.clearCookie(sessionCookieName(config), {
    httpOnly: true,
    sameSite: "lax",
    secure: config.secureCookies,
    path: "/",
  });
}
