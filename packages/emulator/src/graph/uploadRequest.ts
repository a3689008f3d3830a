import type { FastifyRequest } from "fastify";
import type { ConflictBehavior } from "../drive/conflictPlacement.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { checkName, checkPathLength } from "../drive/names.ts";
import { GraphFault } from "../fault.ts";
import type { UploadTarget } from "../storage/uploadTarget.ts";
import { cTagOf, eTagOf } from "./driveItemJson.ts";
import type { ItemCall } from "./graphCall.ts";

/*
 * What the two upload requests, PUT …/content and createUploadSession, settle before any byte is
 * read: the conflict behaviour, the If-Match / If-None-Match preconditions, and where the bytes
 * will land.
 */

const CONFLICT_BEHAVIORS: readonly ConflictBehavior[] = ["fail", "replace", "rename"];

/**
 * `@microsoft.graph.conflictBehavior`. Both upload kinds default to `replace`: Graph documents
 * that for PUT, and although the createUploadSession page says `fail`, the service replaces
 * (microsoft-graph-docs issue 19010), which is what clients rely on.
 */
export function conflictBehaviorOf(value: unknown): ConflictBehavior {
  if (value === undefined || value === null || value === "") return "replace";
  const v = typeof value === "string" ? value.toLowerCase() : value;
  if (!CONFLICT_BEHAVIORS.includes(v as ConflictBehavior)) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `Invalid value '${String(value)}' for @microsoft.graph.conflictBehavior; expected fail, replace or rename.`,
    );
  }
  return v as ConflictBehavior;
}

/**
 * Checks the addressed item and the path before any byte is read, so a doomed upload fails at
 * once (Graph answers a `fail` clash when the session is created, not after gigabytes).
 */
export function resolveUploadTarget(call: ItemCall, conflict: ConflictBehavior): UploadTarget {
  const { drive, base, item, ancestor, missing } = call.target;
  if (item) {
    if (item.parentId === null) {
      throw new GraphFault(400, "invalidRequest", "The drive root is a folder and cannot take file content.");
    }
    if (item.folder && conflict !== "rename") {
      throw new GraphFault(409, "nameAlreadyExists", `A folder named '${item.name}' already exists.`);
    }
    if (!item.folder && conflict === "fail") {
      throw new GraphFault(
        409,
        "nameAlreadyExists",
        `The specified item name already exists: '${item.name}'.`,
      );
    }
    return {
      driveId: drive.id,
      base,
      parentId: item.parentId,
      folders: [],
      name: item.name,
      ...(item.folder ? {} : { itemId: item.id }),
    };
  }
  if (!ancestor.folder) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `'${ancestor.name}' is a file, so nothing can be created below it.`,
    );
  }
  const names = [...drive.pathOf(ancestor)];
  for (const n of missing) {
    checkName(n, drive.driveType);
    names.push(n);
  }
  checkPathLength(`/${names.join("/")}`);
  return {
    driveId: drive.id,
    base,
    parentId: ancestor.id,
    folders: missing.slice(0, -1),
    name: missing.at(-1) ?? "",
  };
}

/**
 * `If-Match` / `If-None-Match` against the item's eTag or cTag (Graph accepts either). A failed
 * precondition is 412 `resourceModified`; `If-None-Match: *` fails when the item exists.
 */
export function checkPreconditions(request: FastifyRequest, item: ItemRecord | undefined): void {
  const ifMatch = request.headers["if-match"];
  const ifNoneMatch = request.headers["if-none-match"];
  if (typeof ifMatch === "string" && (!item || !tagsMatch(ifMatch, item))) {
    throw new GraphFault(412, "resourceModified", "ETag does not match current item's value.");
  }
  if (typeof ifNoneMatch === "string" && item && tagsMatch(ifNoneMatch, item)) {
    throw new GraphFault(412, "resourceModified", "The item matches the If-None-Match condition.");
  }
}

function tagsMatch(header: string, item: ItemRecord): boolean {
  if (header.trim() === "*") return true;
  const current = [eTagOf(item), cTagOf(item)];
  // Graph's tags contain commas (`"{ID},3"`), so the list is split on quoted strings, not on commas.
  const given = header.match(/"[^"]*"/g) ?? [`"${header.trim()}"`];
  return given.some((t) => current.includes(t));
}
