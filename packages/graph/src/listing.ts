// Folder listings. Graph pages children 200 at a time by default and up to 1000 with `$top`;
// each page names the next in `@odata.nextLink`, an absolute URL that must be followed exactly as
// given (its `$skiptoken` is opaque). Asking for 1000 per page is what keeps a 20,000-item folder
// at 20 requests.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import type { GraphCore, Query } from "./graphCore.ts";

export interface IterateOptions {
  /** Properties to return (`$select`), e.g. `["id", "name", "size"]`. */
  select?: string[];
  /** Page size, 1–1000 (default 1000). */
  top?: number;
  /** `$orderby`, e.g. `"name"` or `"lastModifiedDateTime desc"`. */
  orderBy?: string;
  signal?: AbortSignal;
}

export const MAX_PAGE_SIZE = 1000;

interface Page<T> {
  value: T[];
  "@odata.nextLink"?: string;
}

/** Every child of the folder at `folder` (`""` is the root), page by page, as raw driveItems. */
export async function* iterateChildren(
  core: GraphCore,
  folder: string,
  options: IterateOptions = {},
): AsyncGenerator<DriveItem> {
  const top = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.top ?? MAX_PAGE_SIZE)));
  const query: Query = { $top: top, $select: options.select?.join(","), $orderby: options.orderBy };
  yield* iteratePages<DriveItem>(core, core.actionUrl(folder, "children", query), folder, options.signal);
}

/** Follows `@odata.nextLink` from a first page URL, yielding each value. */
export async function* iteratePages<T>(
  core: GraphCore,
  firstUrl: string,
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  let url: string | undefined = firstUrl;
  while (url) {
    const page: Page<T> = await core.json<Page<T>>("GET", core.url(url), {
      path,
      ...(signal ? { signal } : {}),
    });
    yield* page.value;
    url = page["@odata.nextLink"];
  }
}
