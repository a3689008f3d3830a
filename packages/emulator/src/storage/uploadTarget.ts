import type { FastifyRequest } from "fastify";
import type { ConflictBehavior } from "../drive/conflictPlacement.ts";
import type { Drive } from "../drive/drive.ts";
import type { Content, FileSystemInfo, ItemRecord } from "../drive/itemRecord.ts";
import { checkName, checkPathLength } from "../drive/names.ts";
import { GraphFault } from "../fault.ts";
import { cTagOf, type DriveBase, driveItemJson, eTagOf } from "../graph/driveItemJson.ts";
import type { ItemCall } from "../graph/graphCall.ts";
import { graphBaseUrl } from "../graph/odataContext.ts";
import type { EmulatorState } from "../state.ts";

/**
 * Where an upload's bytes land. Held as ids and names rather than records: an upload session
 * commits minutes or days after it was opened, against whatever the drive holds by then.
 */
export interface UploadTarget {
  driveId: string;
  /** How the request addressed the drive, echoed in the driveItem's `parentReference.path`. */
  base: DriveBase;
  /** The deepest folder on the path that existed when the upload started. */
  parentId: string;
  /** Folders to create below it: Graph creates the missing parents of a path-addressed upload. */
  folders: string[];
  name: string;
  /** The file being replaced, when one existed; followed if it is renamed or moved meanwhile. */
  itemId?: string;
}

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

/** The size of the file an upload to `target` would replace, for an early quota check. */
export function replacedSize(drive: Drive, target: UploadTarget): number {
  return (target.itemId ? drive.get(target.itemId)?.size : undefined) ?? 0;
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

/**
 * Puts uploaded content in place: creates missing parent folders, applies the conflict
 * behaviour, releases what the upload replaced. The new blob is released if that fails, so a
 * refused upload leaves no file behind.
 */
export async function commitUpload(
  state: EmulatorState,
  target: UploadTarget,
  content: Content,
  conflict: ConflictBehavior,
  fileSystemInfo?: Partial<FileSystemInfo>,
): Promise<{ drive: Drive; item: ItemRecord; created: boolean }> {
  try {
    const drive = state.drives.byDriveId(target.driveId);
    if (!drive) throw new GraphFault(404, "itemNotFound", "The drive of this upload no longer exists.");
    const now = state.clock.iso();
    const replacing = target.itemId ? drive.get(target.itemId) : undefined;
    let parent = drive.get(replacing?.parentId ?? target.parentId);
    if (!parent) {
      throw new GraphFault(404, "itemNotFound", "The folder this upload was going to no longer exists.");
    }
    const name = replacing?.name ?? target.name;
    for (const folder of target.folders) {
      parent =
        drive.child(parent, folder) ?? drive.create(parent, folder, { folder: true }, "fail", now).item;
    }
    const clash = drive.child(parent, name);
    if (clash?.folder && conflict !== "rename") {
      throw new GraphFault(409, "nameAlreadyExists", `A folder named '${clash.name}' already exists.`);
    }
    const result = drive.create(parent, name, { folder: false, content }, conflict, now, fileSystemInfo);
    await state.blobs.release(result.released);
    state.markDirty();
    return { drive, item: result.item, created: result.created };
  } catch (err) {
    await state.blobs.release([content.blobId]);
    throw err;
  }
}

/** The driveItem an upload answers with, carrying the `@odata.context` Graph puts on entities. */
export function uploadedItemJson(
  state: EmulatorState,
  origin: string,
  drive: Drive,
  base: DriveBase,
  item: ItemRecord,
): Record<string, unknown> {
  return {
    "@odata.context": `${graphBaseUrl(origin)}/$metadata#drives('${encodeURIComponent(drive.id)}')/items/$entity`,
    ...driveItemJson(state, origin, drive, base, item),
  };
}
