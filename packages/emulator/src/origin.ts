import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * The origin a request was addressed to: its scheme and `Host`, or, with `trustProxy`, the
 * `X-Forwarded-Proto` and `X-Forwarded-Host` a TLS-terminating proxy in front of the emulator sets
 * (Fastify reads those only when told to trust the proxy). Graph and the identity platform build
 * every absolute URL they hand out — nextLinks, `@odata.context`, download and upload URLs,
 * `verification_uri`, the discovery document — from the host that was called, so a client behind
 * a proxy or using another host name is never sent to an address it cannot reach. MSAL refuses a
 * discovery document whose `issuer` is on another host than its authority, which is why the bind
 * address must never leak into one.
 */
export function originOf(request: FastifyRequest): string | undefined {
  const protocol = request.protocol;
  const host = request.host;
  if (protocol !== "http" && protocol !== "https") return undefined;
  if (!HOST.test(host)) return undefined;
  try {
    // `URL` lower-cases the host and drops a default port (`:443` on https), as browsers do.
    return new URL(`${protocol}://${host}`).origin;
  } catch {
    return undefined; // e.g. a port past 65535
  }
}

/**
 * A host name or IPv4 address (letters, digits, `.`, `-` and the `_` of container names) or a
 * bracketed IPv6 address, and an optional port: anything else (user info, a path, spaces, a second
 * host) would make every link built from it point elsewhere. No nested repetition, so a long
 * hostile Host costs linear time.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/;

/**
 * A request whose Host (or, behind a trusted proxy, forwarded host or scheme) no link could be
 * built from is refused before any route sees it, in the words Windows' HTTP.sys front end uses
 * for a host it cannot serve. Answering it with links to some other address would hide the
 * misconfigured proxy or client instead of showing it.
 */
export function sendInvalidHostname(reply: FastifyReply): FastifyReply {
  return reply
    .code(400)
    .header("content-type", "text/plain; charset=utf-8")
    .send("Bad Request - Invalid Hostname\nHTTP Error 400. The request hostname is invalid.\n");
}
