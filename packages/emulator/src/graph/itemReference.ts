import type { Drive } from "../drive/drive.ts";
import type { DriveStore } from "../drive/driveStore.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";

/**
 * Resolves an itemReference from a request body (`parentReference` of PATCH and copy) to a folder
 * of `drive`. Graph accepts `{ id }`, `{ path: "/drive/root:/a/b" }` (the form it writes itself,
 * percent-encoded) or `{ path: "/drives/{driveId}/root:/a" }`, each optionally with `driveId`.
 */
export function resolveItemReference(drives: DriveStore, drive: Drive, ref: unknown): ItemRecord {
  if (typeof ref !== "object" || ref === null || Array.isArray(ref)) {
    throw new GraphFault(400, "invalidRequest", "parentReference must be an object.");
  }
  const { driveId, id, path } = ref as { driveId?: unknown; id?: unknown; path?: unknown };
  if (driveId !== undefined && driveId !== null) checkSameDrive(drives, drive, String(driveId));
  if (typeof id === "string" && id !== "") {
    const item = drive.get(id) ?? (id.toLowerCase() === "root" ? drive.root : undefined);
    if (!item) throw new GraphFault(404, "itemNotFound", `The parent item '${id}' does not exist.`);
    return item;
  }
  if (typeof path === "string" && path !== "") return resolveReferencePath(drives, drive, path);
  throw new GraphFault(400, "invalidRequest", "parentReference needs an id or a path.");
}

function resolveReferencePath(drives: DriveStore, drive: Drive, path: string): ItemRecord {
  const m = /^\/(?:drive|drives\/([^/]+))\/root(?::(.*))?$/i.exec(path);
  if (!m) {
    throw new GraphFault(400, "invalidRequest", `'${path}' is not a path of the form /drive/root:/folder.`);
  }
  if (m[1] !== undefined) checkSameDrive(drives, drive, decodeLoosely(m[1]));
  const names = (m[2] ?? "")
    .split("/")
    .filter((s) => s !== "")
    .map(decodeLoosely);
  const item = drive.resolve(drive.root, names);
  if (!item) throw new GraphFault(404, "itemNotFound", `The parent folder '${path}' does not exist.`);
  return item;
}

function checkSameDrive(drives: DriveStore, drive: Drive, driveId: string): void {
  if (driveId.toLowerCase() === drive.id.toLowerCase()) return;
  if (drives.byDriveId(driveId)) {
    throw new GraphFault(
      403,
      "accessDenied",
      "Access denied: the destination drive belongs to another user.",
    );
  }
  throw new GraphFault(404, "itemNotFound", `The drive '${driveId}' does not exist.`);
}

/** Graph writes these paths percent-encoded; a client that sends a bare `%` gets it literally. */
function decodeLoosely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
