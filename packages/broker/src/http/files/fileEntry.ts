// A Graph driveItem as the explorer shows it: by drive path (what an `onedrive://` URL names), never by id.

import type { FileEntry } from "@ferry/api";
import type { DriveItem } from "@microsoft/microsoft-graph-types";

/** The driveItem properties a FileEntry needs; asking for only these keeps a 1000-item page small. */
export const ENTRY_SELECT = ["id", "name", "size", "folder", "file", "lastModifiedDateTime"];

/** `item`, which sits in the folder at `parent` ("" for the root). */
export function fileEntry(item: DriveItem, parent: string): FileEntry {
  const name = item.name ?? "";
  const folder = item.folder !== undefined && item.folder !== null;
  return {
    name,
    path: parent === "" ? name : `${parent}/${name}`,
    kind: folder ? "folder" : "file",
    size: item.size ?? 0,
    modifiedAt: item.lastModifiedDateTime ?? null,
    childCount: folder ? (item.folder?.childCount ?? 0) : null,
    mimeType: folder ? null : (item.file?.mimeType ?? null),
  };
}

/** The folder part of a normalised drive path: "a/b" for "a/b/c.csv", "" for "c.csv". */
export function parentOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "" : path.slice(0, at);
}
