import type { DriveType, ItemRecord } from "./itemRecord.ts";
import { nameKey } from "./names.ts";

/**
 * A drive's items as a tree: found by id, by name below a folder (case-insensitively, like
 * OneDrive), and by path; who is below whom. Reading only: `Drive` adds the rules that change it.
 */
export class Tree {
  readonly items = new Map<string, ItemRecord>();

  /** The names a tree accepts depend on it: business drives refuse more than personal ones. */
  constructor(readonly driveType: DriveType) {}

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

  /** Every blob id referenced by this tree, counted once per reference. */
  *blobReferences(): Iterable<string> {
    for (const item of this.items.values()) if (item.content) yield item.content.blobId;
  }
}
