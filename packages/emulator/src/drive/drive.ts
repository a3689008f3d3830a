import { createHash } from "node:crypto";
import type { Account } from "../accounts.ts";
import { GraphFault } from "../fault.ts";
import { checkName, checkPathLength, nameKey } from "./names.ts";

export type DriveType = "personal" | "business";

/** The hashes Graph reports: business drives give quickXorHash only; personal drives give all three. */
export interface Hashes {
  quickXorHash: string;
  sha1Hash?: string;
  sha256Hash?: string;
}

/** A stored file body. The bytes live in the blob store under `blobId`. */
export interface Content {
  blobId: string;
  size: number;
  hashes: Hashes;
}

export interface FileSystemInfo {
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export interface ItemRecord {
  id: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  createdDateTime: string;
  lastModifiedDateTime: string;
  fileSystemInfo: FileSystemInfo;
  /** Bumped on every change; the eTag. */
  version: number;
  /** Bumped when the content (or, for folders, the set of children) changes; the cTag. */
  contentVersion: number;
  /** Files: the size of the content. Folders: the total size of everything below. */
  size: number;
  content?: Content;
  mimeType?: string;
  /** Folders: child name key → child id. */
  children?: Map<string, string>;
  /** The drive's change sequence number at this item's last change, for delta. */
  changeSeq: number;
}

/** What delta reports for an item that no longer exists. */
export interface Tombstone {
  id: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  changeSeq: number;
}

export type ConflictBehavior = "fail" | "replace" | "rename";

export interface CreateResult {
  item: ItemRecord;
  /** False when an existing file was replaced (Graph answers 200 instead of 201). */
  created: boolean;
  /** Blob ids no longer referenced by this operation, for the caller to release. */
  released: string[];
}

/** A drive's tree. Pure data and rules; no I/O. Every mutation advances `seq` for delta. */
export class Drive {
  readonly items = new Map<string, ItemRecord>();
  readonly tombstones = new Map<string, Tombstone>();
  root: ItemRecord;
  /** The change sequence. Delta tokens carry the value they were issued at. */
  seq = 0;
  /** Delta tokens issued before this sequence answer 410 resyncRequired. */
  deltaFloor = 0;
  /** Bytes of deleted items (Graph's `quota.deleted`: they sit in the recycle bin). */
  deletedBytes = 0;
  quotaTotal: number;
  private nextItemNumber = 101;
  /**
   * Each folder's children in each requested order, built on first listing and dropped when the
   * folder or one of its children changes. Paging a 20,000-item folder would otherwise sort it
   * again for every page.
   */
  private readonly orderCache = new Map<string, Map<string, SortedChildren>>();

  constructor(
    readonly owner: Account,
    readonly driveType: DriveType,
    now: string,
  ) {
    this.quotaTotal = owner.quotaTotal;
    this.root = this.newRecord("root", null, true, now);
  }

  get id(): string {
    return this.owner.driveId;
  }

  get usedBytes(): number {
    return this.root.size;
  }

  get(id: string): ItemRecord | undefined {
    return this.items.get(id);
  }

  /** Resolves names below `from`; case-insensitive like OneDrive. */
  resolve(from: ItemRecord, segments: readonly string[]): ItemRecord | undefined {
    let item: ItemRecord | undefined = from;
    for (const segment of segments) {
      if (!item?.children) return undefined;
      const id = item.children.get(nameKey(segment));
      item = id ? this.items.get(id) : undefined;
    }
    return item;
  }

  child(folder: ItemRecord, name: string): ItemRecord | undefined {
    const id = folder.children?.get(nameKey(name));
    return id ? this.items.get(id) : undefined;
  }

  /** Names from the root down to `item`, excluding the root. */
  pathOf(item: ItemRecord): string[] {
    const names: string[] = [];
    let cur: ItemRecord | undefined = item;
    while (cur && cur.parentId !== null) {
      names.push(cur.name);
      cur = this.items.get(cur.parentId);
    }
    return names.reverse();
  }

  isAncestor(ancestor: ItemRecord, item: ItemRecord): boolean {
    let cur: ItemRecord | undefined = item;
    while (cur) {
      if (cur.id === ancestor.id) return true;
      cur = cur.parentId ? this.items.get(cur.parentId) : undefined;
    }
    return false;
  }

  /**
   * Creates a file or folder under `parent`, applying Graph's conflictBehavior:
   * `fail` → 409 nameAlreadyExists, `rename` → "name 1.ext", `replace` → the existing item is
   * replaced (a file keeps its id and gets new content).
   */
  create(
    parent: ItemRecord,
    name: string,
    spec: { folder: true } | { folder: false; content: Content; mimeType?: string },
    conflict: ConflictBehavior,
    now: string,
    fileSystemInfo?: Partial<FileSystemInfo>,
  ): CreateResult {
    if (!parent.children) throw new GraphFault(400, "invalidRequest", "The parent item is not a folder.");
    checkName(name, this.driveType);
    checkPathLength(["", ...this.pathOf(parent), name].join("/"));
    let released: string[] = [];
    const existing = this.child(parent, name);
    if (existing && conflict === "fail") {
      throw new GraphFault(
        409,
        "nameAlreadyExists",
        `The specified item name already exists: '${existing.name}'.`,
      );
    }
    const size = spec.folder ? 0 : spec.content.size;
    const replacing = existing !== undefined && conflict === "replace";
    // Checked before anything changes, so a refused replacement leaves the old item in place.
    // "Exceeded": Microsoft refuses new files and folders until the drive is back under its quota.
    if (!replacing && this.usedBytes > this.quotaTotal) throw quotaFault();
    this.checkQuota(size - (replacing ? existing.size : 0));
    if (existing) {
      if (conflict === "rename") {
        name = this.freeName(parent, name);
        checkName(name, this.driveType);
        checkPathLength(["", ...this.pathOf(parent), name].join("/"));
      } else if (!existing.folder && !spec.folder) {
        released = this.replaceContent(existing, spec.content, now, fileSystemInfo);
        if (spec.mimeType) existing.mimeType = spec.mimeType;
        return { item: existing, created: false, released };
      } else if (existing.folder && spec.folder) {
        // Replacing a folder with a folder keeps the existing one, as OneDrive does.
        return { item: existing, created: false, released };
      } else {
        released = this.remove(existing, now);
      }
    }
    const item = this.newRecord(name, parent.id, spec.folder, now);
    if (!spec.folder) {
      item.content = spec.content;
      item.size = size;
      item.mimeType = spec.mimeType ?? guessMimeType(name);
    }
    if (fileSystemInfo) item.fileSystemInfo = { ...item.fileSystemInfo, ...fileSystemInfo };
    parent.children.set(nameKey(name), item.id);
    this.touchAncestors(parent, size, now, true);
    return { item, created: true, released };
  }

  /** Replaces a file's bytes in place: same id, new eTag and cTag. Returns the released blob id. */
  replaceContent(
    item: ItemRecord,
    content: Content,
    now: string,
    fileSystemInfo?: Partial<FileSystemInfo>,
  ): string[] {
    const delta = content.size - item.size;
    this.checkQuota(delta);
    const old = item.content?.blobId;
    item.content = content;
    item.size = content.size;
    item.lastModifiedDateTime = now;
    item.fileSystemInfo = { ...item.fileSystemInfo, lastModifiedDateTime: now, ...fileSystemInfo };
    item.version++;
    item.contentVersion++;
    this.changed(item);
    const parent = item.parentId ? this.items.get(item.parentId) : undefined;
    if (parent) this.touchAncestors(parent, delta, now, false);
    return old && old !== content.blobId ? [old] : [];
  }

  /** PATCH: rename and/or move. Moving into itself or a descendant is refused. */
  update(
    item: ItemRecord,
    changes: { name?: string; parent?: ItemRecord; fileSystemInfo?: Partial<FileSystemInfo> },
    now: string,
    conflict: ConflictBehavior = "fail",
  ): string[] {
    if (item.parentId === null && (changes.name !== undefined || changes.parent)) {
      throw new GraphFault(400, "invalidRequest", "The root folder cannot be renamed or moved.");
    }
    let released: string[] = [];
    const oldParent = item.parentId ? this.items.get(item.parentId) : undefined;
    const newParent = changes.parent ?? oldParent;
    let newName = changes.name ?? item.name;
    if (
      newParent &&
      oldParent &&
      (newParent.id !== oldParent.id || nameKey(newName) !== nameKey(item.name) || newName !== item.name)
    ) {
      if (!newParent.children)
        throw new GraphFault(400, "invalidRequest", "The destination is not a folder.");
      if (this.isAncestor(item, newParent)) {
        throw new GraphFault(
          400,
          "invalidRequest",
          "An item cannot be moved into itself or one of its descendants.",
        );
      }
      checkName(newName, this.driveType);
      // The 400-character limit applies to every path the move produces, not just the item's own.
      checkPathLength(["", ...this.pathOf(newParent), newName].join("/") + this.longestPathBelow(item));
      const clash = this.child(newParent, newName);
      if (clash && clash.id !== item.id) {
        // Replacing would delete the item being moved along with the folder that holds it.
        if (conflict === "fail" || (conflict === "replace" && this.isAncestor(clash, item))) {
          throw new GraphFault(
            409,
            "nameAlreadyExists",
            `The specified item name already exists: '${clash.name}'.`,
          );
        }
        if (conflict === "rename") {
          newName = this.freeName(newParent, newName);
          checkName(newName, this.driveType);
          checkPathLength(["", ...this.pathOf(newParent), newName].join("/") + this.longestPathBelow(item));
        } else released = this.remove(clash, now);
      }
      oldParent.children?.delete(nameKey(item.name));
      this.touchAncestors(oldParent, -item.size, now, true);
      item.name = newName;
      item.parentId = newParent.id;
      newParent.children.set(nameKey(newName), item.id);
      this.touchAncestors(newParent, item.size, now, true);
      // Every descendant's path changed. Microsoft's delta need not re-send them after a rename
      // (which is why its delta items carry no path), but sending them is what lets a delta scoped
      // to a folder (items/{id}/delta) see the contents of a folder moved into it.
      this.walk(item, (d) => this.changed(d));
    }
    if (changes.fileSystemInfo) item.fileSystemInfo = { ...item.fileSystemInfo, ...changes.fileSystemInfo };
    item.lastModifiedDateTime = now;
    item.version++;
    this.changed(item);
    return released;
  }

  /** Deletes an item and everything below it. Returns the blob ids the caller must release. */
  remove(item: ItemRecord, now: string): string[] {
    if (item.parentId === null)
      throw new GraphFault(403, "accessDenied", "The root folder cannot be deleted.");
    const parent = this.items.get(item.parentId);
    const released: string[] = [];
    this.walk(item, (d) => {
      if (d.content) released.push(d.content.blobId);
      this.items.delete(d.id);
      this.tombstones.set(d.id, {
        id: d.id,
        name: d.name,
        parentId: d.parentId,
        folder: d.folder,
        changeSeq: ++this.seq,
      });
    });
    this.deletedBytes += item.size;
    if (parent) {
      parent.children?.delete(nameKey(item.name));
      this.touchAncestors(parent, -item.size, now, true);
    }
    return released;
  }

  /**
   * Everything that would make `copy` fail, checked without changing anything: Graph rejects a
   * copy up front (a name already in use, a bad name, no space) rather than in the monitor.
   */
  checkCopy(item: ItemRecord, parent: ItemRecord, name: string, conflict: ConflictBehavior = "fail"): void {
    if (!parent.children) throw new GraphFault(400, "invalidRequest", "The destination is not a folder.");
    if (this.isAncestor(item, parent)) {
      throw new GraphFault(
        400,
        "invalidRequest",
        "An item cannot be copied into itself or one of its descendants.",
      );
    }
    checkName(name, this.driveType);
    checkPathLength(["", ...this.pathOf(parent), name].join("/") + this.longestPathBelow(item));
    const clash = this.child(parent, name);
    if (clash && (conflict === "fail" || (conflict === "replace" && this.isAncestor(clash, item)))) {
      throw new GraphFault(
        409,
        "nameAlreadyExists",
        `The specified item name already exists: '${clash.name}'.`,
      );
    }
    if (this.usedBytes > this.quotaTotal) throw quotaFault();
    this.checkQuota(item.size);
  }

  /**
   * Deep copy under `parent`, applying conflictBehavior like `create`. The copies share blobs:
   * the caller retains `retained` and releases `released` (what a replaced item held).
   */
  copy(
    item: ItemRecord,
    parent: ItemRecord,
    name: string,
    now: string,
    conflict: ConflictBehavior = "fail",
  ): { item: ItemRecord; retained: string[]; released: string[] } {
    this.checkCopy(item, parent, name, conflict);
    let released: string[] = [];
    const clash = this.child(parent, name);
    if (clash) {
      if (conflict === "rename") name = this.freeName(parent, name);
      else released = this.remove(clash, now);
    }
    const retained: string[] = [];
    const clone = (src: ItemRecord, into: ItemRecord, as: string): ItemRecord => {
      const dst = this.newRecord(as, into.id, src.folder, now);
      dst.fileSystemInfo = { ...src.fileSystemInfo };
      if (src.content) {
        dst.content = src.content;
        dst.size = src.size;
        dst.mimeType = src.mimeType;
        retained.push(src.content.blobId);
      }
      into.children?.set(nameKey(as), dst.id);
      for (const childId of src.children?.values() ?? []) {
        const c = this.items.get(childId);
        if (c) clone(c, dst, c.name);
      }
      return dst;
    };
    const copied = clone(item, parent, name);
    this.recomputeSize(copied);
    this.touchAncestors(parent, copied.size, now, true);
    return { item: copied, retained, released };
  }

  /**
   * Children of a folder in Graph's default order (by name, case-insensitively) or by another key,
   * ties broken by id so the order is total and a page cursor can point into it. Cached until the
   * folder or a child changes.
   */
  sortedChildren(folder: ItemRecord, orderBy: ChildOrder): SortedChildren {
    const cacheKey = `${orderBy.key} ${orderBy.desc ? "desc" : "asc"}`;
    let perFolder = this.orderCache.get(folder.id);
    const hit = perFolder?.get(cacheKey);
    if (hit) return hit;
    const rows: { item: ItemRecord; key: SortKey }[] = [];
    for (const id of folder.children?.values() ?? []) {
      const item = this.items.get(id);
      if (item) rows.push({ item, key: sortKeyOf(item, orderBy.key) });
    }
    const sign = orderBy.desc ? -1 : 1;
    rows.sort((a, b) => sign * compareSortKeys(a.key, b.key));
    const sorted: SortedChildren = {
      items: rows.map((r) => r.item),
      keys: rows.map((r) => r.key),
      orderBy,
    };
    if (!perFolder) {
      perFolder = new Map();
      this.orderCache.set(folder.id, perFolder);
    }
    perFolder.set(cacheKey, sorted);
    return sorted;
  }

  /**
   * What delta reports for `folder` in the window (sinceSeq, upToSeq]: live items below and
   * including the folder (with their depth below it) and, for an incremental window, the
   * tombstones of items that were below it.
   */
  changeWindow(folder: ItemRecord, sinceSeq: number, upToSeq: number): DeltaEntry[] {
    const out: DeltaEntry[] = [];
    const visit = (item: ItemRecord, depth: number) => {
      if (item.changeSeq > sinceSeq && item.changeSeq <= upToSeq) out.push({ record: item, depth });
      for (const id of item.children?.values() ?? []) {
        const c = this.items.get(id);
        if (c) visit(c, depth + 1);
      }
    };
    visit(folder, 0);
    if (sinceSeq > 0) {
      for (const t of this.tombstones.values()) {
        if (t.changeSeq > sinceSeq && t.changeSeq <= upToSeq && this.wasBelow(t, folder.id)) {
          out.push({ record: t, depth: -1 });
        }
      }
    }
    return out;
  }

  /**
   * Makes every delta token issued so far answer 410 resyncRequired, as Microsoft does when it can
   * no longer reconstruct the changes since a token. Tombstones older than the floor can go: no
   * valid token can ask for them any more.
   */
  invalidateDeltaTokens(): void {
    this.deltaFloor = ++this.seq;
    for (const [id, t] of this.tombstones) if (t.changeSeq < this.deltaFloor) this.tombstones.delete(id);
  }

  private wasBelow(t: Tombstone, folderId: string): boolean {
    let parentId = t.parentId;
    for (let hops = 0; parentId !== null && hops < 10_000; hops++) {
      if (parentId === folderId) return true;
      parentId = this.items.get(parentId)?.parentId ?? this.tombstones.get(parentId)?.parentId ?? null;
    }
    return false;
  }

  /** The longest `/a/b` tail of any path below `item` (empty for a file or an empty folder). */
  longestPathBelow(item: ItemRecord): string {
    let longest = "";
    for (const id of item.children?.values() ?? []) {
      const c = this.items.get(id);
      if (!c) continue;
      const tail = `/${c.name}${this.longestPathBelow(c)}`;
      if (tail.length > longest.length) longest = tail;
    }
    return longest;
  }

  walk(item: ItemRecord, visit: (item: ItemRecord) => void): void {
    visit(item);
    for (const id of item.children?.values() ?? []) {
      const c = this.items.get(id);
      if (c) this.walk(c, visit);
    }
  }

  /** Every blob id referenced by this drive, counted once per reference. */
  *blobReferences(): Iterable<string> {
    for (const item of this.items.values()) if (item.content) yield item.content.blobId;
  }

  /**
   * 507 quotaLimitReached when `additionalBytes` more would not fit. Microsoft's drives report
   * `remaining = total - used`, with the recycle bin (`deleted`) outside that sum, so it is here too.
   * Shrinking (a negative amount) is always allowed, even on a drive that is over its quota.
   */
  checkQuota(additionalBytes: number): void {
    if (additionalBytes > 0 && this.usedBytes + additionalBytes > this.quotaTotal) throw quotaFault();
  }

  /** Graph's `quota.state`: nearing below 10% remaining, critical below 1%, exceeded when over. */
  quotaState(): "normal" | "nearing" | "critical" | "exceeded" {
    const remaining = this.quotaTotal - this.usedBytes;
    if (remaining < 0) return "exceeded";
    if (remaining < this.quotaTotal * 0.01) return "critical";
    if (remaining < this.quotaTotal * 0.1) return "nearing";
    return "normal";
  }

  /** Graph's rename rule for conflictBehavior=rename: "report.csv" → "report 1.csv", "report 2.csv", … */
  freeName(folder: ItemRecord, name: string): string {
    const dot = name.lastIndexOf(".");
    const stem = dot > 0 ? name.slice(0, dot) : name;
    const ext = dot > 0 ? name.slice(dot) : "";
    for (let n = 1; ; n++) {
      const candidate = `${stem} ${n}${ext}`;
      if (!this.child(folder, candidate)) return candidate;
    }
  }

  private newRecord(name: string, parentId: string | null, folder: boolean, now: string): ItemRecord {
    const item: ItemRecord = {
      id: this.newItemId(),
      name,
      parentId,
      folder,
      createdDateTime: now,
      lastModifiedDateTime: now,
      fileSystemInfo: { createdDateTime: now, lastModifiedDateTime: now },
      version: 1,
      contentVersion: 1,
      size: 0,
      changeSeq: 0,
    };
    if (folder) item.children = new Map();
    this.items.set(item.id, item);
    this.changed(item);
    return item;
  }

  /**
   * Personal drives number items `DRIVEID!n`; business drives use 34-character base32 ids that
   * start with `01`. Clients must treat both as opaque.
   */
  private newItemId(): string {
    const n = this.nextItemNumber++;
    if (this.driveType === "personal") return `${this.id.toUpperCase()}!${n}`;
    const digest = createHash("sha1").update(`${this.id}/${n}`).digest();
    return `01${base32(digest).slice(0, 32)}`;
  }

  private changed(item: ItemRecord): void {
    item.changeSeq = ++this.seq;
    // A change to an item can move it within its parent's order; a change to a folder is how
    // its set of children changes.
    if (item.parentId !== null) this.orderCache.delete(item.parentId);
    this.orderCache.delete(item.id);
  }

  /** Propagates a size change to every ancestor and marks them changed, as OneDrive does for folders. */
  private touchAncestors(folder: ItemRecord, sizeDelta: number, now: string, childrenChanged: boolean): void {
    let cur: ItemRecord | undefined = folder;
    let first = true;
    while (cur) {
      cur.size += sizeDelta;
      if (first && childrenChanged) {
        cur.lastModifiedDateTime = now;
        cur.contentVersion++;
      }
      cur.version++;
      this.changed(cur);
      first = false;
      cur = cur.parentId ? this.items.get(cur.parentId) : undefined;
    }
  }

  private recomputeSize(item: ItemRecord): number {
    if (!item.folder) return item.size;
    let total = 0;
    for (const id of item.children?.values() ?? []) {
      const c = this.items.get(id);
      if (c) total += this.recomputeSize(c);
    }
    item.size = total;
    return total;
  }

  /** Plain data for the state snapshot. */
  toJSON(): DriveSnapshot {
    return {
      driveId: this.id,
      seq: this.seq,
      deltaFloor: this.deltaFloor,
      deletedBytes: this.deletedBytes,
      quotaTotal: this.quotaTotal,
      nextItemNumber: this.nextItemNumber,
      rootId: this.root.id,
      items: [...this.items.values()].map((i) => ({
        ...i,
        children: i.children ? [...i.children] : undefined,
      })),
      tombstones: [...this.tombstones.values()],
    };
  }

  restore(s: DriveSnapshot): void {
    this.orderCache.clear();
    this.items.clear();
    this.tombstones.clear();
    this.seq = s.seq;
    this.deltaFloor = s.deltaFloor;
    this.deletedBytes = s.deletedBytes;
    this.quotaTotal = s.quotaTotal;
    this.nextItemNumber = s.nextItemNumber;
    for (const i of s.items) {
      const { children, ...rest } = i;
      const item: ItemRecord = { ...rest, ...(children ? { children: new Map(children) } : {}) };
      this.items.set(item.id, item);
    }
    for (const t of s.tombstones) this.tombstones.set(t.id, t);
    const root = this.items.get(s.rootId);
    if (!root) throw new Error(`state snapshot for drive ${s.driveId} has no root item`);
    this.root = root;
  }
}

export interface DriveSnapshot {
  driveId: string;
  seq: number;
  deltaFloor: number;
  deletedBytes: number;
  quotaTotal: number;
  nextItemNumber: number;
  rootId: string;
  items: (Omit<ItemRecord, "children"> & { children?: [string, string][] | undefined })[];
  tombstones: Tombstone[];
}

export type ChildOrderKey = "name" | "size" | "lastModifiedDateTime";
export interface ChildOrder {
  key: ChildOrderKey;
  desc: boolean;
}

/** A sort position: the order key's value, then the id that breaks ties. */
export type SortKey = readonly [string | number, string];

/** A folder's children in one order, with each one's sort key for cursor lookups. */
export interface SortedChildren {
  items: readonly ItemRecord[];
  keys: readonly SortKey[];
  orderBy: ChildOrder;
}

export interface DeltaEntry {
  record: ItemRecord | Tombstone;
  /** Depth below the folder delta was asked for; -1 for tombstones. */
  depth: number;
}

export function sortKeyOf(
  item: Pick<ItemRecord, "id" | "name" | "size" | "lastModifiedDateTime">,
  key: ChildOrderKey,
): SortKey {
  if (key === "size") return [item.size, item.id];
  if (key === "lastModifiedDateTime") return [item.lastModifiedDateTime, item.id];
  return [nameKey(item.name), item.id];
}

/** Ascending comparison of two sort keys of the same order. */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function quotaFault(): GraphFault {
  return new GraphFault(
    507,
    "quotaLimitReached",
    "Insufficient Space Available: the drive's quota is exhausted.",
  );
}

function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

const MIME: Record<string, string> = {
  csv: "text/csv",
  txt: "text/plain",
  json: "application/json",
  parquet: "application/octet-stream",
  arrow: "application/vnd.apache.arrow.file",
  png: "image/png",
  jpg: "image/jpeg",
  pdf: "application/pdf",
  html: "text/html",
  xml: "application/xml",
  zip: "application/zip",
};

export function guessMimeType(name: string): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  return MIME[ext] ?? "application/octet-stream";
}
