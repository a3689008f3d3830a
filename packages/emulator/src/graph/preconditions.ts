import type { FastifyRequest } from "fastify";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import { cTagOf, eTagOf } from "./driveItemJson.ts";

/**
 * Graph's conditional requests on a driveItem. Microsoft documents both tags as usable: `If-Match`
 * or `If-None-Match` with the eTag (or the cTag) of the item. Tags are compared without their
 * quotes and `W/` prefix because personal OneDrive sends unquoted eTags and clients echo either form.
 */
export function checkIfMatch(request: FastifyRequest, item: ItemRecord): void {
  const header = request.headers["if-match"];
  if (header === undefined) return;
  if (!matches(header, item)) {
    throw new GraphFault(
      412,
      "resourceModified",
      "The item has changed since the eTag in If-Match was read; fetch it again before retrying.",
    );
  }
}

/** True when `If-None-Match` names the item's current tag: the answer is 304 Not Modified. */
export function isNotModified(request: FastifyRequest, item: ItemRecord): boolean {
  const header = request.headers["if-none-match"];
  return header !== undefined && matches(header, item);
}

function matches(header: string | string[], item: ItemRecord): boolean {
  const current = new Set([bare(eTagOf(item)), bare(cTagOf(item))]);
  for (const tag of tagsIn(Array.isArray(header) ? header.join(",") : header)) {
    if (tag === "*" || current.has(bare(tag))) return true;
  }
  return false;
}

/** Entity tags in a header. Graph's eTags contain commas (`"{id},3"`), so split on quoted strings. */
function tagsIn(header: string): string[] {
  const quoted = header.match(/(?:W\/)?"(?:[^"\\]|\\.)*"|\*/g);
  return quoted && quoted.length > 0 ? quoted : [header.trim()];
}

function bare(tag: string): string {
  const t = tag.trim().replace(/^W\//, "");
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}
