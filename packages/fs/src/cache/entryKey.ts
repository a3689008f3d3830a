// An entry's name: which item (drive id + item id, unique across drives and accounts) and which
// content version (cTag, which changes only with the bytes; eTag where a drive gives no cTag).
// Hashed, so names are short, filesystem-safe and reveal nothing of the drive; no dots, because
// temporary names append `.<pid>.…` and are parsed back.

import { createHash } from "node:crypto";
import { FerryError } from "@ferry/graph";
import type { DriveItem } from "@microsoft/microsoft-graph-types";

export function entryKey(item: DriveItem): string {
  const version = item.cTag ?? item.eTag;
  if (!item.id || !version)
    throw new FerryError(
      `${item.name ?? "a file"}: OneDrive reported no id or cTag/eTag, so it cannot be cached`,
    );
  const driveId = item.parentReference?.driveId ?? "";
  return `${digest(`${driveId}\u0000${item.id}`)}-${digest(version)}`;
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}
