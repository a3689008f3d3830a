import type { ConflictBehavior } from "../drive/conflictPlacement.ts";
import { GraphFault } from "../fault.ts";

const ANNOTATION = "@microsoft.graph.conflictBehavior";
const VALUES: readonly ConflictBehavior[] = ["fail", "replace", "rename"];

/**
 * `@microsoft.graph.conflictBehavior`, which Graph takes in the JSON body (creating folders,
 * PATCH, an upload session's `item`) or in the query string (PUT content, copy, and as a fallback
 * everywhere). The body wins when both are given. Unknown values are Graph's 400.
 */
export function conflictBehavior(
  query: URLSearchParams,
  body: Record<string, unknown> | undefined,
  fallback: ConflictBehavior,
): ConflictBehavior {
  const raw = body?.[ANNOTATION] ?? query.get(ANNOTATION) ?? undefined;
  if (raw === undefined || raw === null) return fallback;
  const value = String(raw).toLowerCase() as ConflictBehavior;
  if (!VALUES.includes(value)) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `Invalid value '${String(raw)}' for ${ANNOTATION}; expected fail, replace or rename.`,
    );
  }
  return value;
}
