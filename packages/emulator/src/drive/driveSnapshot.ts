import type { Tombstone } from "./deltaLog.ts";
import type { Drive } from "./drive.ts";
import type { ItemRecord } from "./itemRecord.ts";

/** A drive as plain data, for the state snapshot that lets `--data` survive a restart. */
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

export function snapshotOf(drive: Drive): DriveSnapshot {
  return {
    driveId: drive.id,
    seq: drive.delta.seq,
    deltaFloor: drive.delta.floor,
    deletedBytes: drive.quota.deleted,
    quotaTotal: drive.quota.total,
    nextItemNumber: drive.ids.next,
    rootId: drive.root.id,
    items: [...drive.items.values()].map((i) => ({
      ...i,
      children: i.children ? [...i.children] : undefined,
    })),
    tombstones: [...drive.delta.tombstones.values()],
  };
}

/** Puts the drive back as the snapshot has it, replacing everything it held. */
export function restoreSnapshot(drive: Drive, s: DriveSnapshot): void {
  drive.sortCache.clear();
  drive.items.clear();
  drive.delta.tombstones.clear();
  drive.delta.seq = s.seq;
  drive.delta.floor = s.deltaFloor;
  drive.quota.deleted = s.deletedBytes;
  drive.quota.total = s.quotaTotal;
  drive.ids.next = s.nextItemNumber;
  for (const i of s.items) {
    const { children, ...rest } = i;
    const item: ItemRecord = { ...rest, ...(children ? { children: new Map(children) } : {}) };
    drive.items.set(item.id, item);
  }
  for (const t of s.tombstones) drive.delta.tombstones.set(t.id, t);
  const root = drive.items.get(s.rootId);
  if (!root) throw new Error(`state snapshot for drive ${s.driveId} has no root item`);
  drive.root = root;
}
