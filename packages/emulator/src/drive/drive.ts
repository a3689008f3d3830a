import type { Account } from "../accounts.ts";
import { GraphFault } from "../fault.ts";
import { type ConflictBehavior, type Placement, placeItem } from "./conflictPlacement.ts";
import { DeltaLog } from "./deltaLog.ts";
import { ItemIds } from "./itemIds.ts";
import type { Content, DriveType, FileSystemInfo, ItemRecord } from "./itemRecord.ts";
import { guessMimeType } from "./mimeTypes.ts";
import { nameKey } from "./names.ts";
import { Quota } from "./quota.ts";
import { SortCache } from "./sortCache.ts";
import { Tree } from "./tree.ts";

export interface CreateResult {
  item: ItemRecord;
  /** False when an existing file was replaced (Graph answers 200 instead of 201). */
  created: boolean;
  /** Blob ids no longer referenced by this operation, for the caller to release. */
  released: string[];
}

/**
 * A drive: its tree and the rules that change it. Pure data and rules; no I/O. Every change is
 * stamped in the delta log and drops what the sort cache held for the folders it touches.
 */
export class Drive extends Tree {
  root: ItemRecord;
  readonly ids: ItemIds;
  readonly quota: Quota;
  readonly delta = new DeltaLog(this.items);
  readonly sortCache = new SortCache(this.items);

  constructor(
    readonly owner: Account,
    driveType: DriveType,
    now: string,
  ) {
    super(driveType);
    this.ids = new ItemIds(owner.driveId, driveType);
    this.quota = new Quota(owner.quotaTotal, () => this.root.size);
    this.root = this.newRecord("root", null, true, now);
  }

  get id(): string {
    return this.owner.driveId;
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
    const placement = placeItem(this, parent, name, conflict);
    const existing = placement.replaces;
    const size = spec.folder ? 0 : spec.content.size;
    // Checked before anything changes, so a refused replacement leaves the old item in place.
    if (!existing) this.quota.refuseNewItemsWhenExceeded();
    this.quota.check(size - (existing ? existing.size : 0));
    let released: string[] = [];
    if (existing) {
      if (!existing.folder && !spec.folder) {
        released = this.replaceContent(existing, spec.content, now, fileSystemInfo);
        if (spec.mimeType) existing.mimeType = spec.mimeType;
        return { item: existing, created: false, released };
      }
      // Replacing a folder with a folder keeps the existing one, as OneDrive does.
      if (existing.folder && spec.folder) return { item: existing, created: false, released };
      released = this.remove(existing, now);
    }
    const item = this.newRecord(placement.name, parent.id, spec.folder, now);
    if (!spec.folder) {
      item.content = spec.content;
      item.size = size;
      item.mimeType = spec.mimeType ?? guessMimeType(placement.name);
    }
    if (fileSystemInfo) item.fileSystemInfo = { ...item.fileSystemInfo, ...fileSystemInfo };
    parent.children.set(nameKey(placement.name), item.id);
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
    this.quota.check(delta);
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
    const newName = changes.name ?? item.name;
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
      const placement = placeItem(this, newParent, newName, conflict, { item, move: true });
      if (placement.replaces) released = this.remove(placement.replaces, now);
      oldParent.children?.delete(nameKey(item.name));
      this.touchAncestors(oldParent, -item.size, now, true);
      item.name = placement.name;
      item.parentId = newParent.id;
      newParent.children.set(nameKey(placement.name), item.id);
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
      this.delta.bury(d);
    });
    this.quota.deleted += item.size;
    if (parent) {
      parent.children?.delete(nameKey(item.name));
      this.touchAncestors(parent, -item.size, now, true);
    }
    return released;
  }

  /**
   * Everything that would make `copy` fail, checked without changing anything: Graph rejects a
   * copy up front (a name already in use, a bad name, no space) rather than in the monitor.
   * Returns where the copy would go.
   */
  checkCopy(
    item: ItemRecord,
    parent: ItemRecord,
    name: string,
    conflict: ConflictBehavior = "fail",
  ): Placement {
    if (!parent.children) throw new GraphFault(400, "invalidRequest", "The destination is not a folder.");
    if (this.isAncestor(item, parent)) {
      throw new GraphFault(
        400,
        "invalidRequest",
        "An item cannot be copied into itself or one of its descendants.",
      );
    }
    const placement = placeItem(this, parent, name, conflict, { item, move: false });
    this.quota.refuseNewItemsWhenExceeded();
    this.quota.check(item.size);
    return placement;
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
    const placement = this.checkCopy(item, parent, name, conflict);
    const released = placement.replaces ? this.remove(placement.replaces, now) : [];
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
    const copied = clone(item, parent, placement.name);
    this.recomputeSize(copied);
    this.touchAncestors(parent, copied.size, now, true);
    return { item: copied, retained, released };
  }

  private newRecord(name: string, parentId: string | null, folder: boolean, now: string): ItemRecord {
    const item: ItemRecord = {
      id: this.ids.newId(),
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

  private changed(item: ItemRecord): void {
    this.delta.stamp(item);
    this.sortCache.forget(item);
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
}
