import type { ItemRecord } from "./itemRecord.ts";
import { nameKey } from "./names.ts";

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

/**
 * Each folder's children in each requested order, built on first listing and dropped when the
 * folder or one of its children changes. Paging a 20,000-item folder would otherwise sort it
 * again for every page.
 */
export class SortCache {
  private readonly byFolder = new Map<string, Map<string, SortedChildren>>();

  /** `items` is the drive's live items, read to find a folder's children. */
  constructor(private readonly items: ReadonlyMap<string, ItemRecord>) {}

  /**
   * Children of a folder in Graph's default order (by name, case-insensitively) or by another key,
   * ties broken by id so the order is total and a page cursor can point into it.
   */
  children(folder: ItemRecord, orderBy: ChildOrder): SortedChildren {
    const cacheKey = `${orderBy.key} ${orderBy.desc ? "desc" : "asc"}`;
    let perFolder = this.byFolder.get(folder.id);
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
      this.byFolder.set(folder.id, perFolder);
    }
    perFolder.set(cacheKey, sorted);
    return sorted;
  }

  /**
   * Drops what a change to `item` can make stale. A change to an item can move it within its
   * parent's order; a change to a folder is how its set of children changes.
   */
  forget(item: ItemRecord): void {
    if (item.parentId !== null) this.byFolder.delete(item.parentId);
    this.byFolder.delete(item.id);
  }

  clear(): void {
    this.byFolder.clear();
  }
}

function sortKeyOf(
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
