import type { FileSystemInfo, ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import { readJson } from "../http.ts";
import { childrenPage } from "./children.ts";
import { conflictBehavior } from "./conflictBehavior.ts";
import { driveItemJson, eTagOf, selectFields, selectList } from "./driveItemJson.ts";
import { type ItemCall, requireItem } from "./graphCall.ts";
import { resolveItemReference } from "./itemReference.ts";
import { itemContext } from "./odataContext.ts";
import { odataParam } from "./paging.ts";
import { checkIfMatch, isNotModified } from "./preconditions.ts";
import { refuseUnsupportedOptions, unsupported } from "./unsupportedOptions.ts";

/**
 * `GET` a driveItem, with `$select` and `$expand=children`. `If-None-Match` with the current eTag
 * or cTag answers 304 with no body, which is how clients poll cheaply.
 */
export function getItem(call: ItemCall): unknown {
  const item = requireItem(call);
  const { state, target, query, reply } = call;
  reply.header("etag", eTagOf(item));
  if (isNotModified(call.request, item)) {
    reply.code(304);
    return undefined;
  }
  const { origin } = call.request;
  const json = selectFields(driveItemJson(state, origin, target.drive, target.base, item), selectList(query));
  const expand = childrenExpansion(odataParam(query, "expand"));
  if (expand && item.children) {
    // The expanded children are the first page of the children collection; the rest is behind
    // `children@odata.nextLink`, the same link listing the collection would give.
    const page = childrenPage(state, origin, target, item, expand, `${target.itemUrl}/children`);
    json.children = page.value;
    if (page.nextLink) json["children@odata.nextLink"] = page.nextLink;
  }
  return { "@odata.context": itemContext(origin, call.account, target), ...json };
}

/**
 * `$expand=children` or `children($select=…;$top=…)`: the nested options as a query for the
 * children page, or undefined when children are not expanded. Any other expansion (`thumbnails`,
 * `permissions`, …) is refused rather than ignored.
 */
function childrenExpansion(expand: string | null): URLSearchParams | undefined {
  if (expand === null) return undefined;
  let nested: URLSearchParams | undefined;
  for (const part of splitTopLevel(expand)) {
    const m = /^\s*children\s*(?:\((.*)\))?\s*$/i.exec(part);
    if (!m) throw unsupported(`$expand=${part.trim()}`);
    nested = new URLSearchParams();
    for (const option of (m[1] ?? "").split(";")) {
      const eq = option.indexOf("=");
      if (eq > 0) nested.set(option.slice(0, eq).trim(), option.slice(eq + 1).trim());
    }
    refuseUnsupportedOptions(nested, false);
  }
  return nested;
}

/** Splits `a,b(c,d),e` on the commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/**
 * `PATCH` a driveItem: rename (`name`), move (`parentReference` by id or path), both at once, and
 * `fileSystemInfo`. A clash at the destination follows `@microsoft.graph.conflictBehavior`
 * (default `fail` → 409); a stale `If-Match` is 412.
 */
export async function updateItem(call: ItemCall): Promise<unknown> {
  const body = await readJson(call.request);
  const item = requireItem(call);
  checkIfMatch(call.request, item);
  const { state, target } = call;
  const changes: { name?: string; parent?: ItemRecord; fileSystemInfo?: Partial<FileSystemInfo> } = {};
  if (body.name !== undefined && body.name !== null) {
    if (typeof body.name !== "string")
      throw new GraphFault(400, "invalidRequest", "'name' must be a string.");
    changes.name = body.name;
  }
  if (body.parentReference !== undefined && body.parentReference !== null) {
    changes.parent = resolveItemReference(state.drives, target.drive, body.parentReference);
  }
  if (body.fileSystemInfo !== undefined && body.fileSystemInfo !== null) {
    changes.fileSystemInfo = parseFileSystemInfo(body.fileSystemInfo);
  }
  const conflict = conflictBehavior(call.query, body, "fail");
  const released = target.drive.update(item, changes, state.clock.iso(), conflict);
  await state.blobs.release(released);
  state.markDirty();
  call.reply.header("etag", eTagOf(item));
  return {
    "@odata.context": itemContext(call.request.origin, call.account, target),
    ...driveItemJson(state, call.request.origin, target.drive, target.base, item),
  };
}

/** `fileSystemInfo` as a client sets it: the times its own file system reports, in ISO 8601. */
function parseFileSystemInfo(raw: unknown): Partial<FileSystemInfo> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new GraphFault(400, "invalidRequest", "'fileSystemInfo' must be an object.");
  }
  const out: Partial<FileSystemInfo> = {};
  for (const key of ["createdDateTime", "lastModifiedDateTime"] as const) {
    const v = (raw as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    const ms = typeof v === "string" ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) {
      throw new GraphFault(400, "invalidRequest", `fileSystemInfo.${key} is not an ISO 8601 date and time.`);
    }
    out[key] = new Date(ms).toISOString().replace(".000Z", "Z");
  }
  return out;
}

/**
 * `DELETE` a driveItem and everything below it: 204. The bytes go to the recycle bin, which
 * Graph reports as `quota.deleted`; the emulator keeps the count but lets the bodies go.
 */
export async function deleteItem(call: ItemCall): Promise<unknown> {
  const item = requireItem(call);
  checkIfMatch(call.request, item);
  const { state, target } = call;
  const released = target.drive.remove(item, state.clock.iso());
  await state.blobs.release(released);
  state.markDirty();
  call.reply.code(204);
  return undefined;
}
