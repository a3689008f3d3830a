import type { FastifyReply, FastifyRequest } from "fastify";
import { failed } from "./authenticate.ts";
import type { BrokerContext } from "./context.ts";
import { type Page, sendPage } from "./pages.ts";

/**
 * For browser routes (login links, start links, the OAuth callback): a credential in the URL that did not check
 * out. Counted like any failed credential; answered with `page`, or once its address has failed too often with a
 * 429 page and Retry-After. Nothing is refused before it is checked, so a valid link always works.
 */
export function sendFailedPage(
  ctx: BrokerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: string,
  status: number,
  page: Page,
): FastifyReply {
  const wait = failed(ctx, request, kind);
  if (wait <= 0) return sendPage(reply, status, page);
  reply.header("retry-after", String(wait));
  return sendPage(reply, 429, {
    title: "Too many attempts",
    heading: "Too many failed sign-in attempts",
    paragraphs: [`Too many failed sign-in attempts came from your address; try again in ${wait} s.`],
    tone: "error",
  });
}
