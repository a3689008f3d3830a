import type { Account } from "../accounts.ts";
import type { Drive } from "../drive/drive.ts";
import type { DriveStore } from "../drive/driveStore.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import type { DriveBase } from "./driveItemJson.ts";

/** The actions Graph addresses as a path segment after an item. */
export const ITEM_ACTIONS = ["content", "children", "createUploadSession", "copy", "delta"] as const;
export type ItemAction = (typeof ITEM_ACTIONS)[number];

/** What a `/v1.0/…` URL names. */
export type GraphTarget =
  | { kind: "me" }
  | { kind: "drive"; drive: Drive; base: DriveBase }
  | {
      kind: "item";
      drive: Drive;
      base: DriveBase;
      /** The addressed item, when it exists. */
      item: ItemRecord | undefined;
      /** The deepest existing item on the way, and the names below it that do not exist yet. */
      ancestor: ItemRecord;
      missing: string[];
      action: ItemAction | undefined;
      /** How the URL started: `root` (`root`, `root:`) or `items/{id}`; Graph's `@odata.context` follows it. */
      anchor: "root" | "items";
      /** True when a `:/path:` followed the anchor. */
      byPath: boolean;
      /** The token of the function-call form `delta(token='…')`. */
      deltaToken: string | undefined;
      /** The raw (still-encoded) URL path up to and excluding the action, e.g. `/v1.0/me/drive/items/X`. */
      itemUrl: string;
      /** A stable label for counters, e.g. `GET /drive/items/{id}/children`. */
      route: string;
    };

const DELTA_CALL = /^delta\(token='([^']*)'\)$/i;

/**
 * Parses the part of a Graph URL after `/v1.0/`. Works on the raw, still-encoded path so that a
 * structural `:` or `/` is told apart from an encoded one inside a name (`%3A`, `%2F`), which is
 * exactly the ambiguity clients get wrong. Each segment is percent-decoded exactly once.
 *
 * Accepted forms (`{d}` is `me/drive`, `drive` or `drives/{id}`):
 *   me · {d} · {d}/root · {d}/items/{id}
 *   … followed by `:/a/b:` (path relative to it; the closing colon is optional) and/or `/{action}`
 */
export function parseGraphPath(rawPath: string, account: Account, drives: DriveStore): GraphTarget {
  const segs = rawPath.split("/").filter((s) => s !== "");
  let i = 0;
  const next = () => segs[i++];
  const head = next()?.toLowerCase();
  let drive: Drive | undefined;
  let base: DriveBase;
  if (head === "me" || head === "drive") {
    if (head === "me") {
      if (i === segs.length) return { kind: "me" };
      if (next()?.toLowerCase() !== "drive") throw notSupported(rawPath);
    }
    drive = drives.forAccount(account.id);
    base = "me";
  } else if (head === "drives") {
    const id = decode(next() ?? "");
    drive = drives.byDriveId(id);
    if (!drive) throw new GraphFault(404, "itemNotFound", `The drive '${id}' does not exist.`);
    if (drive.owner.id !== account.id)
      throw new GraphFault(403, "accessDenied", "Access denied: the drive belongs to another user.");
    base = "drives";
  } else {
    throw notSupported(rawPath);
  }
  if (i === segs.length) return { kind: "drive", drive, base };
  const driveUrl = `/v1.0/${segs.slice(0, i).join("/")}`;

  // The anchor: root, root:, items/{id}, items/{id}:
  let anchorItem: ItemRecord | undefined;
  let raw = next() ?? "";
  let pathMode = false;
  let anchor: "root" | "items";
  let anchorUrl: string;
  if (raw.toLowerCase() === "root" || raw.toLowerCase() === "root:") {
    anchorItem = drive.root;
    pathMode = raw.endsWith(":");
    anchor = "root";
    anchorUrl = `${driveUrl}/root`;
  } else if (raw.toLowerCase() === "items") {
    raw = next() ?? "";
    pathMode = raw.endsWith(":");
    const rawId = pathMode ? raw.slice(0, -1) : raw;
    // `items` alone is the collection, which Graph only lists with a $filter; not emulated.
    if (rawId === "") throw notSupported(rawPath);
    const id = decode(rawId);
    anchorItem = drive.get(id) ?? (id.toLowerCase() === "root" ? drive.root : undefined);
    if (!anchorItem)
      throw new GraphFault(404, "itemNotFound", `The resource could not be found: item '${id}'.`);
    anchor = "items";
    anchorUrl = `${driveUrl}/items/${rawId}`;
  } else {
    throw notSupported(rawPath);
  }

  const names: string[] = [];
  const rawNames: string[] = [];
  let action: ItemAction | undefined;
  let deltaToken: string | undefined;
  let closed = !pathMode;
  while (i < segs.length) {
    let s = segs[i++] ?? "";
    if (!closed) {
      if (s.endsWith(":")) {
        s = s.slice(0, -1);
        closed = true;
      }
      if (s !== "") {
        names.push(decode(s));
        rawNames.push(s);
      }
      continue;
    }
    if (i !== segs.length) throw notSupported(rawPath);
    const call = DELTA_CALL.exec(s);
    if (call) {
      action = "delta";
      deltaToken = decode(call[1] ?? "");
      continue;
    }
    const a = ITEM_ACTIONS.find((x) => x.toLowerCase() === s.toLowerCase());
    if (!a) throw notSupported(rawPath);
    action = a;
  }
  // Graph's misparse when the closing colon is left off: a final name spelled like an action is
  // taken as the action. Clients must always close the path with ':' to avoid it.
  if (!closed && names.length > 0 && action === undefined) {
    const last = names.at(-1) ?? "";
    const a = ITEM_ACTIONS.find((x) => x.toLowerCase() === last.toLowerCase());
    if (a) {
      names.pop();
      rawNames.pop();
      action = a;
    }
  }
  for (const n of names) {
    if (n === "." || n === "..")
      throw new GraphFault(400, "invalidRequest", `The path segment '${n}' is not allowed.`);
  }
  let ancestor = anchorItem;
  let k = 0;
  for (; k < names.length; k++) {
    const c = drive.child(ancestor, names[k] ?? "");
    if (!c) break;
    ancestor = c;
  }
  const missing = names.slice(k);
  const item = missing.length === 0 ? ancestor : undefined;
  const byPath = names.length > 0;
  const itemUrl = byPath ? `${anchorUrl}:/${rawNames.join("/")}:` : anchorUrl;
  const route = `/drive/${anchor === "root" ? "root" : "items/{id}"}${byPath ? ":/{path}:" : ""}${action ? `/${action}` : ""}`;
  return {
    kind: "item",
    drive,
    base,
    item,
    ancestor,
    missing,
    action,
    anchor,
    byPath,
    deltaToken,
    itemUrl,
    route,
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GraphFault(
      400,
      "invalidRequest",
      `The URL segment '${segment}' is not valid percent-encoding.`,
    );
  }
}

function notSupported(path: string): GraphFault {
  return new GraphFault(400, "BadRequest", `Resource not found for the segment in '/${path}'.`);
}
