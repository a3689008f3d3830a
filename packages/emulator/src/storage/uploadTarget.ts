import type { Drive } from "../drive/drive.ts";
import type { DriveBase } from "../graph/driveItemJson.ts";

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

/** The size of the file an upload to `target` would replace, for an early quota check. */
export function replacedSize(drive: Drive, target: UploadTarget): number {
  return (target.itemId ? drive.get(target.itemId)?.size : undefined) ?? 0;
}
