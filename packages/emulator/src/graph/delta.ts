import type { DeltaEntry, Tombstone } from "../drive/deltaLog.ts";
import type { Drive } from "../drive/drive.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import { driveItemJson, selectFields, selectList } from "./driveItemJson.ts";
import { type ItemCall, requireItem } from "./graphCall.ts";
import { collectionContext } from "./odataContext.ts";
import { linkWith, pageSize } from "./paging.ts";

/**
 * What a delta `token` carries, signed. A deltaLink token holds the change sequence `s` it covers
 * up to. A nextLink token also holds the window's upper end `u` (fixed when the round began, so
 * later changes wait for the next round instead of shifting pages) and the last position sent `c`.
 */
interface DeltaToken {
  t: "delta";
  d: string;
  f: string;
  s: number;
  u?: number;
  c?: Position;
}

/** Order within a round: tombstones first (depth -1), then parents before children, then by change. */
type Position = readonly [depth: number, seq: number, id: string];

/**
 * `GET …/delta`. Without a token: every item below the folder, the folder itself included, paged
 * with `@odata.nextLink`, the last page carrying `@odata.deltaLink`. With a deltaLink's token: what
 * changed since, deleted items as `{ id, deleted: { state: "deleted" } }`. `token=latest`: no items,
 * just a deltaLink for now. A token from before `drive.delta.floor` answers 410 resyncRequired with a
 * `Location` that starts a fresh enumeration, as Microsoft documents.
 */
export function delta(call: ItemCall): unknown {
  const folder = requireItem(call);
  const { state, target, query } = call;
  const { origin } = call.request;
  const drive = target.drive;
  const top = pageSize(query);
  const select = selectList(query);
  const linkPath = `${target.itemUrl}/delta`;
  // Without a token, the link starts a fresh enumeration (the Location of a 410).
  const link = (token: DeltaToken | undefined) =>
    token
      ? linkWith(origin, linkPath, query, { token: state.signer.sign(token) })
      : linkWith(origin, linkPath, query, { token: "" }).replace(/[?&]token=$/, "");
  const page = (value: Record<string, unknown>[], next: DeltaToken, done: boolean) => ({
    "@odata.context": collectionContext(origin),
    [done ? "@odata.deltaLink" : "@odata.nextLink"]: link(next),
    value,
  });

  const raw = target.deltaToken ?? query.get("token") ?? undefined;
  if (raw !== undefined && raw.toLowerCase() === "latest") {
    return page([], { t: "delta", d: drive.id, f: folder.id, s: drive.delta.seq }, true);
  }
  let since = 0;
  let upTo = drive.delta.seq;
  let cursor: Position | undefined;
  if (raw !== undefined && raw !== "") {
    const token = state.signer.verify<DeltaToken>(raw);
    if (token?.t !== "delta" || token.d !== drive.id || token.f !== folder.id) {
      throw new GraphFault(400, "invalidRequest", "The delta token is not valid for this item.");
    }
    const stale =
      (token.s > 0 && token.s < drive.delta.floor) ||
      (token.u !== undefined && token.u < drive.delta.floor) ||
      token.s > drive.delta.seq;
    if (stale) {
      throw new GraphFault(
        410,
        "resyncRequired",
        "Resync required: changes since this delta token can no longer be listed. Enumerate again from the Location URL and replace local items with the server's versions.",
        { innerCode: "resyncChangesApplyDifferences", headers: { location: link(undefined) } },
      );
    }
    since = token.s;
    upTo = token.u ?? drive.delta.seq;
    cursor = token.c;
  }

  const entries = roundEntries(drive, folder, since, upTo);
  let start = 0;
  if (cursor) start = firstAfter(entries, cursor);
  const value: Record<string, unknown>[] = [];
  let last: Position | undefined;
  let i = start;
  for (; i < entries.length && value.length < top; i++) {
    const e = entries[i] as RoundEntry;
    // Items changed again after the round began left its window; the next round sends them.
    if (e.pos[0] >= 0 && !isLive(drive, e.record, upTo)) continue;
    value.push(entryJson(call, e.record, select));
    last = e.pos;
  }
  const done = i >= entries.length;
  if (done) return page(value, { t: "delta", d: drive.id, f: folder.id, s: upTo }, true);
  return page(value, { t: "delta", d: drive.id, f: folder.id, s: since, u: upTo, c: last ?? cursor }, false);
}

interface RoundEntry {
  record: ItemRecord | Tombstone;
  pos: Position;
}

/**
 * The entries of one round, sorted. Rounds are cached per drive: a round's window is fixed, so
 * its list only loses entries (items changed again), which paging skips. Listing a large drive
 * page by page then costs one walk and one sort instead of one per page.
 */
const rounds = new WeakMap<Drive, Map<string, RoundEntry[]>>();
const ROUNDS_KEPT = 8;

function roundEntries(drive: Drive, folder: ItemRecord, since: number, upTo: number): RoundEntry[] {
  const key = `${folder.id} ${since} ${upTo} ${drive.delta.floor}`;
  let perDrive = rounds.get(drive);
  const hit = perDrive?.get(key);
  if (hit) return hit;
  const sorted = drive.delta
    .window(folder, since, upTo)
    .map(
      (e: DeltaEntry): RoundEntry => ({ record: e.record, pos: [e.depth, e.record.changeSeq, e.record.id] }),
    )
    .sort((a, b) => comparePositions(a.pos, b.pos));
  if (!perDrive) {
    perDrive = new Map();
    rounds.set(drive, perDrive);
  }
  if (perDrive.size >= ROUNDS_KEPT) perDrive.delete(perDrive.keys().next().value as string);
  perDrive.set(key, sorted);
  return sorted;
}

function isLive(drive: Drive, record: ItemRecord | Tombstone, upTo: number): boolean {
  const current = drive.get(record.id);
  return current !== undefined && current.changeSeq <= upTo;
}

function comparePositions(a: Position, b: Position): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] - b[1];
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

function firstAfter(entries: readonly RoundEntry[], cursor: Position): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePositions((entries[mid] as RoundEntry).pos, cursor) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A live item as a driveItem without `parentReference.path`; a deleted one as Graph reports it:
 * the `deleted` facet, its parent, and its name on personal drives (business drives omit it).
 */
function entryJson(call: ItemCall, record: ItemRecord | Tombstone, select: string[] | undefined) {
  const { state, target } = call;
  const drive = target.drive;
  const live = drive.get(record.id);
  if (live)
    return selectFields(
      driveItemJson(state, call.request.origin, drive, target.base, live, { withPath: false }),
      select,
    );
  const json: Record<string, unknown> = {
    id: record.id,
    deleted: { state: "deleted" },
    parentReference: { driveId: drive.id, driveType: drive.driveType, id: record.parentId },
  };
  if (drive.driveType === "personal") json.name = record.name;
  if (record.folder) json.folder = {};
  else json.file = {};
  return json;
}
