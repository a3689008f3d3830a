import type { Account } from "../accounts.ts";
import type { GraphTarget } from "./addressing.ts";

type ItemTarget = Extract<GraphTarget, { kind: "item" }>;

/**
 * `@odata.context` values in the forms Graph answers with. Clients do not parse them, but SDKs
 * copy them through and tests compare whole bodies, so they follow what Graph sends for each way of
 * addressing: `users('{id}')/drive/…` under `/me/drive`, `drives('{id}')/…` under `/drives/{id}`.
 * `origin` is the one the request was addressed to, as Graph names the host that was called.
 */
export function graphBaseUrl(origin: string): string {
  return `${origin}/v1.0`;
}

export function userContext(origin: string): string {
  return `${graphBaseUrl(origin)}/$metadata#users/$entity`;
}

export function driveContext(origin: string): string {
  return `${graphBaseUrl(origin)}/$metadata#drives/$entity`;
}

/** One driveItem: `…/root/$entity` when addressed from the root (by path or not), else `…/items/$entity`. */
export function itemContext(origin: string, account: Account, target: ItemTarget): string {
  return `${graphBaseUrl(origin)}/$metadata#${owner(account, target)}/${target.anchor === "root" ? "root" : "items"}/$entity`;
}

/**
 * A folder's children. Addressed by path, Graph only knows it is a collection of driveItems;
 * otherwise it names the navigation (`root/children`, `items('{id}')/children`).
 */
export function childrenContext(origin: string, account: Account, target: ItemTarget): string {
  if (target.byPath) return collectionContext(origin);
  const folder = target.anchor === "root" ? "root" : `items('${odataKey(target.item?.id ?? "")}')`;
  return `${graphBaseUrl(origin)}/$metadata#${owner(account, target)}/${folder}/children`;
}

export function collectionContext(origin: string): string {
  return `${graphBaseUrl(origin)}/$metadata#Collection(driveItem)`;
}

function owner(account: Account, target: ItemTarget): string {
  return target.base === "me"
    ? `users('${odataKey(account.id)}')/drive`
    : `drives('${odataKey(target.drive.id)}')`;
}

/** OData key literals are percent-encoded, `!` included (`b!…` drive ids appear as `b%21…`). */
function odataKey(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
