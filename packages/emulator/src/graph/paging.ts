import type { FastifyRequest } from "fastify";
import { GraphFault } from "../fault.ts";

/** Graph's page sizes for children and delta: 200 by default, `$top` up to 1000. */
export const DEFAULT_PAGE_SIZE = 200;
export const MAX_PAGE_SIZE = 1000;

/** An OData system query option; Graph accepts it with or without the `$`. */
export function odataParam(query: URLSearchParams, name: string): string | null {
  return query.get(`$${name}`) ?? query.get(name);
}

/**
 * `$top`. Past the maximum Graph does not clamp: it answers 400 saying the limit for Top was
 * exceeded (observed in OneDrive's API issues), so a client that asks for too much finds out.
 */
export function pageSize(query: URLSearchParams): number {
  const raw = odataParam(query, "top");
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `Invalid value '${raw}' for $top: expected a positive integer.`,
    );
  }
  if (n > MAX_PAGE_SIZE) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `The limit of '${MAX_PAGE_SIZE}' for Top query has been exceeded. The value from the incoming request is '${raw}'.`,
    );
  }
  return n;
}

/** The request's path, still percent-encoded, without its query string. */
export function rawRequestPath(request: FastifyRequest): string {
  const url = request.raw.url ?? "";
  const q = url.indexOf("?");
  return q >= 0 ? url.slice(0, q) : url;
}

/**
 * An absolute link to `path` on our origin carrying the request's query options (`$select`,
 * `$orderby`, `$top`, …) with `set` replacing the paging ones. Graph's nextLinks work when
 * followed exactly as given, so everything the first request asked for travels in the link.
 */
export function linkWith(
  origin: string,
  path: string,
  query: URLSearchParams,
  set: Record<string, string>,
): string {
  const replaced = new Set(
    Object.keys(set).flatMap((k) => [k.toLowerCase(), k.replace(/^\$/, "").toLowerCase()]),
  );
  const parts: string[] = [];
  for (const [k, v] of query) {
    if (replaced.has(k.toLowerCase()) || replaced.has(k.replace(/^\$/, "").toLowerCase())) continue;
    parts.push(`${component(k)}=${component(v)}`);
  }
  for (const [k, v] of Object.entries(set)) parts.push(`${component(k)}=${component(v)}`);
  return `${origin}${path}${parts.length > 0 ? `?${parts.join("&")}` : ""}`;
}

/** Percent-encoding that keeps `$` and `,` readable, as Graph's own links do (`$select=id,name`). */
function component(s: string): string {
  return encodeURIComponent(s).replace(/%24/g, "$").replace(/%2C/g, ",");
}
