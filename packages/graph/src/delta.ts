// Change tracking. `GET …/delta` pages through changes with `@odata.nextLink`; the last page
// carries `@odata.deltaLink`, whose URL is the token for next time. A token the service no longer
// honours answers 410 `resyncRequired`: the only correct reaction is a full enumeration, which
// the result flags so callers reconcile instead of applying it as a diff.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { GraphError } from "./errors.ts";
import type { GraphCore } from "./graphCore.ts";

export interface DeltaResult {
  /** Changed items; deleted ones carry a `deleted` facet. */
  items: DriveItem[];
  /** Pass to the next `delta()` call to get what changed after this one. */
  deltaLink: string;
  /** True when the old token was refused and this is a full listing, not a diff. */
  resynced: boolean;
}

interface DeltaPage {
  value: DriveItem[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

export async function delta(
  core: GraphCore,
  folder: string,
  token?: string,
  signal?: AbortSignal,
): Promise<DeltaResult> {
  const first =
    token === undefined || token === "" ? core.actionUrl(folder, "delta") : startUrl(core, folder, token);
  try {
    return { ...(await collect(core, first, folder, signal)), resynced: false };
  } catch (error) {
    if (token !== undefined && error instanceof GraphError && error.status === 410) {
      return { ...(await collect(core, core.actionUrl(folder, "delta"), folder, signal)), resynced: true };
    }
    throw error;
  }
}

/** A token is either the deltaLink itself or a bare token (`latest` included). */
function startUrl(core: GraphCore, folder: string, token: string): string {
  return /^https?:/i.test(token) ? core.url(token) : core.actionUrl(folder, "delta", { token });
}

async function collect(
  core: GraphCore,
  url: string,
  folder: string,
  signal?: AbortSignal,
): Promise<Omit<DeltaResult, "resynced">> {
  const items: DriveItem[] = [];
  let next: string | undefined = url;
  for (;;) {
    const page: DeltaPage = await core.json<DeltaPage>("GET", core.url(next), {
      path: folder,
      ...(signal ? { signal } : {}),
    });
    items.push(...page.value);
    if (page["@odata.deltaLink"]) return { items, deltaLink: page["@odata.deltaLink"] };
    next = page["@odata.nextLink"];
    if (!next) return { items, deltaLink: "" };
  }
}
