import type { ConflictBehavior } from "../drive/conflictPlacement.ts";
import type { Drive } from "../drive/drive.ts";
import type { Content, FileSystemInfo, ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import { type DriveBase, driveItemJson } from "../graph/driveItemJson.ts";
import { graphBaseUrl } from "../graph/odataContext.ts";
import type { EmulatorState } from "../state.ts";
import type { UploadTarget } from "./uploadTarget.ts";

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
