// Raw Graph requests for one drive: URL building (through the single path rule in paths.ts) and
// JSON calls. The verbs (listing, reading, writing, copying) are built on this, one file each.

import { FerryError } from "./errors.ts";
import { driveBase, itemAction, itemPath } from "./paths.ts";
import type { SendRequest, Transport } from "./transport.ts";

export const DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0";

export type Query = Record<string, string | number | boolean | undefined>;

export class GraphCore {
  /** The v1.0 base without a trailing slash, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly baseUrl: string;
  /** The drive selector, e.g. `me/drive` or `drives/{id}`, validated. */
  readonly drive: string;
  private readonly origin: string;

  constructor(
    readonly transport: Transport,
    baseUrl: string = DEFAULT_GRAPH_URL,
    drive = "me/drive",
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.baseUrl).origin;
    driveBase(drive);
    this.drive = drive;
  }

  /**
   * An absolute URL for a path relative to the v1.0 base, or an absolute URL given by Graph
   * (`@odata.nextLink`). Absolute URLs must stay on the Graph origin: the Authorization header goes
   * with them, and a bearer token must never be sent to another host.
   */
  url(path: string, query?: Query): string {
    let url: string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
      if (new URL(path).origin !== this.origin) {
        throw new FerryError(
          `refusing to send the Graph access token to ${new URL(path).origin}: only URLs under ${this.origin} may be requested with it`,
          { code: "foreign_url" },
        );
      }
      url = path;
    } else {
      url = `${this.baseUrl}/${path.replace(/^\/+/, "")}`;
    }
    if (!query) return url;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    if (qs === "") return url;
    return `${url}${url.includes("?") ? "&" : "?"}${qs}`;
  }

  /** The URL of the item at a drive path (`""` is the root). */
  itemUrl(path: string, query?: Query): string {
    return this.url(itemPath(this.drive, path), query);
  }

  /** The URL of an action on the item at a drive path, e.g. `children` or `content`. */
  actionUrl(path: string, action: string, query?: Query): string {
    return this.url(itemAction(this.drive, path, action), query);
  }

  /** The URL of an item by id, optionally with an action. */
  idUrl(id: string, action?: string): string {
    const base = `${driveBase(this.drive)}/items/${encodeURIComponent(id)}`;
    return this.url(action ? `${base}/${action}` : base);
  }

  /** A JSON call; throws GraphError for failures (after retries). */
  async json<T>(
    method: string,
    url: string,
    init: Omit<SendRequest, "method" | "url"> & { json?: unknown } = {},
  ): Promise<T> {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (json !== undefined) {
      rest.body = JSON.stringify(json);
      headers.set("content-type", "application/json");
    }
    return this.transport.sendRead({ ...rest, method, url, headers }, async (response) => {
      if (response.status === 204 || response.status === 202) {
        await response.body?.cancel();
        return undefined as T;
      }
      return (await response.json()) as T;
    });
  }
}
