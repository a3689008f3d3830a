import type { FastifyReply, FastifyRequest } from "fastify";
import type { BrokerContext } from "./context.ts";
import { sendPage } from "./pages.ts";

/**
 * For browser routes (login links, the OAuth callback): when this address has used up its failed
 * attempts, answers a 429 page with Retry-After before the credential in the URL is even looked at.
 * Returns undefined when the request may go on.
 */
export function refuseRateLimited(
  ctx: BrokerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  const wait = ctx.limiter.retryAfterSeconds(request.ip);
  if (wait <= 0) return undefined;
  ctx.metrics.rateLimited.inc();
  reply.header("retry-after", String(wait));
  return sendPage(reply, 429, {
    title: "Too many attempts",
    heading: "Too many failed sign-in attempts",
    paragraphs: [`Too many failed sign-in attempts came from your address; try again in ${wait} s.`],
    tone: "error",
  });
}
