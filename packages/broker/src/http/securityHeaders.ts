import fastifyHelmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

/**
 * The CSP every answer carries unless its route sets its own: the Integrations & Secrets page's. It loads only its
 * own bundled files, talks only to this broker, posts no form and may not be framed. JSON answers carry it too,
 * where it changes nothing but costs nothing. The server-rendered pages (pages.ts) set their own per response,
 * because their form-action names where that page's form redirects (Microsoft's authority), which helmet's static
 * configuration cannot know.
 */
const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** Security headers on every answer, from @fastify/helmet; a route's own header (a page's CSP) takes precedence. */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    // No helmet defaults: `upgrade-insecure-requests` would break the loopback broker that `ferry dev` runs on http.
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_CSP_DIRECTIVES },
    // DENY, not helmet's SAMEORIGIN: no page of the broker is ever framed, even by itself (clickjacking).
    frameguard: { action: "deny" },
    // no-referrer; the pages whose forms post back set same-origin, else browsers would send `Origin: null`.
    referrerPolicy: { policy: "no-referrer" },
    // Browsers heed HSTS only over https; includeSubDomains is left to whoever runs the domain, since it would
    // bind every other site under it.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  });
}
