import type { EmulatorContext } from "../context.ts";
import type { Drive } from "../drive/drive.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { downloadUrlFor } from "../storage/downloadUrl.ts";

/** How the request addressed the drive; Graph echoes it in `parentReference.path`. */
export type DriveBase = "me" | "drives";

/** A path percent-encoded segment by segment, as Graph writes `parentReference.path`. */
export function encodedPath(names: readonly string[]): string {
  return names.map((n) => `/${encodeURIComponent(n)}`).join("");
}

export function parentPath(drive: Drive, base: DriveBase, parent: ItemRecord): string {
  return rootPrefix(drive, base) + encodedPath(drive.pathOf(parent));
}

function rootPrefix(drive: Drive, base: DriveBase): string {
  return base === "me" ? "/drive/root:" : `/drives/${drive.id}/root:`;
}

export function eTagOf(item: ItemRecord): string {
  return `"{${item.id}},${item.version}"`;
}

export function cTagOf(item: ItemRecord): string {
  return `"c:{${item.id}},${item.contentVersion}"`;
}

/**
 * A driveItem resource exactly as Graph v1.0 shapes it. `withPath: false` leaves
 * `parentReference.path` out, as delta does (a folder rename does not re-send its descendants, so
 * Microsoft does not send paths that would go stale). `origin` is the one the request was
 * addressed to: the download URL and `webUrl` are on it.
 */
export function driveItemJson(
  ctx: EmulatorContext,
  origin: string,
  drive: Drive,
  base: DriveBase,
  item: ItemRecord,
  opts: { withPath?: boolean } = {},
): Record<string, unknown> {
  const owner = { user: { displayName: drive.owner.displayName, id: drive.owner.id } };
  const parent = item.parentId ? drive.get(item.parentId) : undefined;
  // One walk up for both the parent's path and the item's webUrl: listings build thousands of these.
  const parentEncoded = parent ? encodedPath(drive.pathOf(parent)) : "";
  const itemEncoded = parent ? `${parentEncoded}/${encodeURIComponent(item.name)}` : "";
  const json: Record<string, unknown> = {};
  if (item.content) {
    json["@microsoft.graph.downloadUrl"] = downloadUrlFor(ctx, origin, drive, item);
  }
  json.createdDateTime = item.createdDateTime;
  json.eTag = eTagOf(item);
  json.id = item.id;
  json.lastModifiedDateTime = item.lastModifiedDateTime;
  json.name = item.name;
  json.webUrl = `${origin}/_web/${encodeURIComponent(drive.id)}${itemEncoded}`;
  // Business drives give folders no cTag.
  if (!(item.folder && drive.driveType === "business")) json.cTag = cTagOf(item);
  json.size = item.size;
  json.createdBy = owner;
  json.lastModifiedBy = owner;
  json.parentReference = !parent
    ? { driveId: drive.id, driveType: drive.driveType }
    : opts.withPath === false
      ? { driveId: drive.id, driveType: drive.driveType, id: parent.id }
      : {
          driveId: drive.id,
          driveType: drive.driveType,
          id: parent.id,
          path: rootPrefix(drive, base) + parentEncoded,
        };
  if (item.content) {
    json.file = { mimeType: item.mimeType ?? "application/octet-stream", hashes: { ...item.content.hashes } };
  } else {
    json.folder = { childCount: item.children?.size ?? 0 };
  }
  json.fileSystemInfo = { ...item.fileSystemInfo };
  if (item.parentId === null) json.root = {};
  return json;
}

/** The `$select` list of a request (Graph also takes `select` without the `$`), or undefined. */
export function selectList(query: URLSearchParams): string[] | undefined {
  const raw = query.get("$select") ?? query.get("select");
  if (raw === null) return undefined;
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return list.length > 0 ? list : undefined;
}

/** Applies `$select`: only the named properties (and always `id`, as Graph does). */
export function selectFields(
  json: Record<string, unknown>,
  select: string[] | undefined,
): Record<string, unknown> {
  if (!select || select.length === 0) return json;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    if (k === "id" || select.includes(k)) out[k] = v;
  }
  return out;
}
