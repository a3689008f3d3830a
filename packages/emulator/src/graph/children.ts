import type { ItemRecord } from "../drive/itemRecord.ts";
import { type ChildOrder, type ChildOrderKey, compareSortKeys, type SortKey } from "../drive/sortCache.ts";
import { GraphFault } from "../fault.ts";
import { readJson } from "../http.ts";
import type { EmulatorState } from "../state.ts";
import type { GraphTarget } from "./addressing.ts";
import { conflictBehavior } from "./conflictBehavior.ts";
import { driveItemJson, selectFields, selectList } from "./driveItemJson.ts";
import { type ItemCall, requireItem } from "./graphCall.ts";
import { childrenContext, graphBaseUrl, itemContext } from "./odataContext.ts";
import { linkWith, odataParam, pageSize, rawRequestPath } from "./paging.ts";

type ItemTarget = Extract<GraphTarget, { kind: "item" }>;

/** What a `$skiptoken` carries: where the previous page ended in one folder's order. Signed. */
interface SkipToken {
  t: "children";
  f: string;
  o: string;
  k: SortKey;
}

/** `GET …/children`: one page of a folder's children, linked to the next by `@odata.nextLink`. */
export function listChildren(call: ItemCall): unknown {
  const folder = requireItem(call);
  const { origin } = call.request;
  const page = childrenPage(
    call.state,
    origin,
    call.target,
    folder,
    call.query,
    rawRequestPath(call.request),
  );
  return {
    "@odata.context": childrenContext(origin, call.account, call.target),
    ...(page.nextLink ? { "@odata.nextLink": page.nextLink } : {}),
    value: page.value,
  };
}

/**
 * One page of children in the requested order, starting after the `$skiptoken` position. The
 * position is a sort key rather than an offset, so items added or removed between pages neither
 * repeat nor vanish from the rest of the listing. `linkPath` is where the next page is fetched, on
 * `origin`, the one the request was addressed to.
 */
export function childrenPage(
  state: EmulatorState,
  origin: string,
  target: ItemTarget,
  folder: ItemRecord,
  query: URLSearchParams,
  linkPath: string,
): { value: Record<string, unknown>[]; nextLink: string | undefined } {
  const top = pageSize(query);
  const order = parseOrderBy(odataParam(query, "orderby"));
  const orderName = `${order.key} ${order.desc ? "desc" : "asc"}`;
  const select = selectList(query);
  // A file has no children; Graph answers its children collection as empty.
  if (!folder.children) return { value: [], nextLink: undefined };
  const sorted = target.drive.sortCache.children(folder, order);
  let start = 0;
  const rawToken = odataParam(query, "skiptoken");
  if (rawToken !== null) {
    const token = state.signer.verify<SkipToken>(rawToken);
    if (token?.t !== "children" || token.f !== folder.id || token.o !== orderName) {
      throw new GraphFault(400, "invalidRequest", "The $skiptoken is not valid for this request.");
    }
    start = firstAfter(sorted.keys, token.k, order.desc);
  }
  const end = Math.min(start + top, sorted.items.length);
  const value: Record<string, unknown>[] = [];
  for (let i = start; i < end; i++) {
    const item = sorted.items[i] as ItemRecord;
    value.push(selectFields(driveItemJson(state, origin, target.drive, target.base, item), select));
  }
  let nextLink: string | undefined;
  const lastKey = sorted.keys[end - 1];
  if (end < sorted.items.length && lastKey) {
    const token: SkipToken = { t: "children", f: folder.id, o: orderName, k: lastKey };
    nextLink = linkWith(origin, linkPath, query, { $skiptoken: state.signer.sign(token) });
  }
  return { value, nextLink };
}

/** Index of the first key strictly after `cursor` in a list sorted ascending (or descending). */
function firstAfter(keys: readonly SortKey[], cursor: SortKey, desc: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareSortKeys(keys[mid] as SortKey, cursor);
    if ((desc ? -c : c) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ORDER_KEYS: Record<string, ChildOrderKey> = {
  name: "name",
  size: "size",
  lastmodifieddatetime: "lastModifiedDateTime",
};

/** `$orderby` for children: `name` (the default), `size` or `lastModifiedDateTime`, `asc` or `desc`. */
function parseOrderBy(raw: string | null): ChildOrder {
  if (raw === null || raw.trim() === "") return { key: "name", desc: false };
  const m = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  const key = m ? ORDER_KEYS[(m[1] ?? "").toLowerCase()] : undefined;
  if (!m || !key) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `Ordering by '${raw}' is not supported; use name, size or lastModifiedDateTime, optionally with asc or desc.`,
    );
  }
  return { key, desc: (m[2] ?? "").toLowerCase() === "desc" };
}

/**
 * `POST …/children` with `{ name, folder: {} }`: creates a folder, 201. The name clash rule comes
 * from `@microsoft.graph.conflictBehavior` (default `fail` → 409 nameAlreadyExists).
 */
export async function createChildFolder(call: ItemCall): Promise<unknown> {
  const body = await readJson(call.request);
  const parent = requireItem(call);
  const { name, folder, file } = body as { name?: unknown; folder?: unknown; file?: unknown };
  if (typeof name !== "string") {
    throw new GraphFault(400, "invalidRequest", "The request body needs a 'name' string.");
  }
  if (folder === undefined || folder === null || typeof folder !== "object") {
    throw new GraphFault(
      400,
      "invalidRequest",
      file !== undefined
        ? "Creating a file through POST children is not supported; upload it with PUT …/content."
        : "The request body needs a 'folder' facet to create a folder.",
    );
  }
  if (!parent.children) throw new GraphFault(400, "invalidRequest", "The parent item is not a folder.");
  const conflict = conflictBehavior(call.query, body, "fail");
  const { state, target } = call;
  const { item, created, released } = target.drive.create(
    parent,
    name,
    { folder: true },
    conflict,
    state.clock.iso(),
  );
  await state.blobs.release(released);
  state.markDirty();
  call.reply.code(created ? 201 : 200);
  const base = target.base === "me" ? "me/drive" : `drives/${encodeURIComponent(target.drive.id)}`;
  const { origin } = call.request;
  call.reply.header("location", `${graphBaseUrl(origin)}/${base}/items/${encodeURIComponent(item.id)}`);
  return {
    "@odata.context": itemContext(origin, call.account, { ...target, anchor: "items" }),
    ...driveItemJson(state, origin, target.drive, target.base, item),
  };
}
