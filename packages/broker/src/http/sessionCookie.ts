import type { FastifyReply } from "fastify";
import type { BrokerConfig } from "../config.ts";
import { SESSION_TTL_MS } from "../sessions.ts";

export const SESSION_COOKIE = "ferry_session";

/**
 * HttpOnly so page scripts cannot read it, SameSite=Lax so other sites' requests do not carry it on anything but
 * top-level navigations (and those are GETs, which change nothing), Secure whenever browsers reach the broker
 * over https (a Secure cookie would never come back over plain http).
 */
export function setSessionCookie(reply: FastifyReply, config: BrokerConfig, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: config.secureCookies,
    path: "/",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: BrokerConfig): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: "lax",
    secure: config.secureCookies,
    path: "/",
  });
}
