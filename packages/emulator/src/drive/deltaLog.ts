import type { ItemRecord } from "./itemRecord.ts";

/** What delta reports for an item that no longer exists. */
export interface Tombstone {
  id: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  changeSeq: number;
}

export interface DeltaEntry {
  record: ItemRecord | Tombstone;
  /** Depth below the folder delta was asked for; -1 for tombstones. */
  depth: number;
}

/**
 * A drive's change log for delta: every change takes the next sequence number, stamped on the
 * item (or on its tombstone once deleted), and a delta token is the number it was issued at.
 */
export class DeltaLog {
  /** The change sequence. Delta tokens carry the value they were issued at. */
  seq = 0;
  /** Delta tokens issued before this sequence answer 410 resyncRequired. */
  floor = 0;
  readonly tombstones = new Map<string, Tombstone>();

  /** `items` is the drive's live items, read to walk a folder and to place tombstones. */
  constructor(private readonly items: ReadonlyMap<string, ItemRecord>) {}

  /** Records a change to `item`. */
  stamp(item: ItemRecord): void {
    item.changeSeq = ++this.seq;
  }

  /** Records that `item` was deleted. */
  bury(item: ItemRecord): void {
    this.tombstones.set(item.id, {
      id: item.id,
      name: item.name,
      parentId: item.parentId,
      folder: item.folder,
      changeSeq: ++this.seq,
    });
  }

  /**
   * What delta reports for `folder` in the window (sinceSeq, upToSeq]: live items below and
   * including the folder (with their depth below it) and, for an incremental window, the
   * tombstones of items that were below it.
   */
  window(folder: ItemRecord, sinceSeq: number, upToSeq: number): DeltaEntry[] {
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
  invalidateTokens(): void {
    this.floor = ++this.seq;
    for (const [id, t] of this.tombstones) if (t.changeSeq < this.floor) this.tombstones.delete(id);
  }

  private wasBelow(t: Tombstone, folderId: string): boolean {
    let parentId = t.parentId;
    for (let hops = 0; parentId !== null && hops < 10_000; hops++) {
      if (parentId === folderId) return true;
      parentId = this.items.get(parentId)?.parentId ?? this.tombstones.get(parentId)?.parentId ?? null;
    }
    return false;
  }
}
