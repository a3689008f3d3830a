// The OneDrive client: the five core verbs of a connection (`token`, `list`, `download`, `get`,
// `request`) and what goes beyond them. It holds no secret of its own: tokens come from the token source.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { copyItem } from "./copy.ts";
import { type DeltaResult, delta } from "./delta.ts";
import { ConflictError, FerryError, GraphError, NotFoundError } from "./errors.ts";
import { downloadToHandle } from "./fileDownload.ts";
import { GraphCore, type Query } from "./graphCore.ts";
import { type IterateOptions, iterateChildren } from "./listing.ts";
import { normalizePath } from "./paths.ts";
import { type Download, DownloadLink, type DownloadOptions, openDownload } from "./reader.ts";
import type { RetryOptions } from "./retryPolicy.ts";
import { chunksOf } from "./streams.ts";
import {
  type FetchLike,
  type RetryEvent,
  type TokenSource,
  Transport,
  type TransportStats,
} from "./transport.ts";
import type { ConflictBehavior } from "./uploadSession.ts";
import type { UploadSource } from "./uploadSource.ts";
import { type UploadOptions, upload } from "./writer.ts";

export interface OneDriveClientOptions {
  /** Returns a Graph access token; asked again with `forceRefresh` after a 401. */
  token: TokenSource;
  /** Graph's v1.0 base URL (default `https://graph.microsoft.com/v1.0`). */
  baseUrl?: string;
  /** `me/drive` (default), `drives/{id}`, `users/{id}/drive`, `sites/{id}/drive` or `groups/{id}/drive`. */
  drive?: string;
  fetch?: FetchLike;
  retry?: Partial<RetryOptions>;
  /** Defaults for downloads (parallel parts). */
  download?: Pick<DownloadOptions, "concurrency" | "partSize" | "parallelThreshold" | "singleStreamRate">;
  onRetry?: (event: RetryEvent) => void;
}

export interface RequestOptions {
  /** Raw body bytes (or any fetch body). */
  data?: BodyInit;
  /** A JSON body; sets Content-Type. */
  json?: unknown;
  headers?: HeadersInit;
  query?: Query;
  signal?: AbortSignal;
}

export class OneDriveClient {
  readonly core: GraphCore;
  private readonly transport: Transport;
  private readonly downloadDefaults: OneDriveClientOptions["download"];

  constructor(options: OneDriveClientOptions) {
    this.transport = new Transport({
      token: options.token,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
    this.core = new GraphCore(this.transport, options.baseUrl, options.drive);
    this.downloadDefaults = options.download;
  }

  /** Requests, retries, throttles and token refreshes so far. */
  get stats(): Readonly<TransportStats> {
    return this.transport.stats;
  }

  /** A current Graph access token, for use with other clients. */
  token(): Promise<string> {
    return this.transport.accessToken();
  }

  /** Every child of a folder (`""` is the drive root), all pages, as raw driveItems. */
  async list(folder = "", options: IterateOptions = {}): Promise<DriveItem[]> {
    const items: DriveItem[] = [];
    for await (const item of this.iterate(folder, options)) items.push(item);
    return items;
  }

  /** The children of a folder, one page at a time under the hood. */
  iterate(folder = "", options: IterateOptions = {}): AsyncGenerator<DriveItem> {
    return iterateChildren(this.core, folder, options);
  }

  /** The whole file as bytes, verified against the service's QuickXorHash. */
  async download(path: string, options: DownloadOptions = {}): Promise<Uint8Array> {
    const { length, stream } = await this.openDownload(path, options);
    const out = new Uint8Array(length);
    let at = 0;
    for await (const chunk of chunksOf(stream)) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** A stream of the file, or of `[start, end)` of it. Large ranges come in parallel parts. */
  async downloadStream(path: string, options: DownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return (await this.openDownload(path, options)).stream;
  }

  /** The item and a stream of its bytes, for callers that need both (size, hashes). */
  async openDownload(path: string, options: DownloadOptions = {}): Promise<Download> {
    return openDownload(this.core, path, { ...this.downloadDefaults, ...options });
  }

  /**
   * The file's pre-authenticated download link, for random access (`link.fetch(start, end)`):
   * one metadata request, then ranges straight from the file host, renewed when it expires.
   */
  async openLink(path: string, options: { signal?: AbortSignal } = {}): Promise<DownloadLink> {
    return DownloadLink.open(this.core, display(path), options.signal);
  }

  /**
   * Downloads to a local file (Node). Bytes land in `<file>.ferry-partial`, which is renamed once
   * the hash matches, so a failed download never leaves a file that looks complete.
   */
  async downloadTo(path: string, localFile: string, options: DownloadOptions = {}): Promise<DriveItem> {
    const [{ open, rename, rm }] = await Promise.all([import("node:fs/promises")]);
    const link = await DownloadLink.open(this.core, path, options.signal);
    const partial = `${localFile}.ferry-partial`;
    const handle = await open(partial, "w");
    try {
      await downloadToHandle(this.core, link, path, handle, { ...this.downloadDefaults, ...options });
      await handle.close();
      await rename(partial, localFile);
      return link.item;
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** GET a Graph URL (absolute, or relative to the v1.0 base; query allowed) as parsed JSON. */
  async get<T = unknown>(
    path: string,
    init: { headers?: HeadersInit; query?: Query; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.core.json<T>("GET", this.core.url(path, init.query), {
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  }

  /**
   * Any Graph request; returns the fetch Response whatever its status (after throttling retries
   * and one token refresh): an escape hatch for any Graph call the other verbs do not cover.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers = new Headers(options.headers);
    let body: BodyInit | undefined = options.data;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers.set("content-type", "application/json");
    }
    return this.transport.send({
      method,
      url: this.core.url(path, options.query),
      headers,
      body: body ?? null,
      raw: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** The driveItem at a path. Throws NotFoundError when there is none. */
  async stat(path: string, options: { select?: string[]; signal?: AbortSignal } = {}): Promise<DriveItem> {
    return this.core.json<DriveItem>("GET", this.core.itemUrl(path, { $select: options.select?.join(",") }), {
      path: display(path),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  async exists(path: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.stat(path, { select: ["id"], ...options });
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /** Uploads bytes, a Blob, a local file path, a stream or an async iterable to `path`. */
  async upload(path: string, source: UploadSource, options: UploadOptions = {}): Promise<DriveItem> {
    return upload(this.core, display(path), source, options);
  }

  /**
   * Creates a folder. `parents` creates missing ancestors and accepts an existing folder, like
   * `mkdir -p`. `conflict` defaults to `fail` (ConflictError when the name exists).
   */
  async mkdir(
    path: string,
    options: { parents?: boolean; conflict?: ConflictBehavior; signal?: AbortSignal } = {},
  ): Promise<DriveItem> {
    const names = normalizePath(path);
    if (names.length === 0) return this.stat("", options);
    if (!options.parents) return this.createFolder(names, options.conflict ?? "fail", options.signal);
    let made: DriveItem | undefined;
    for (let i = 1; i <= names.length; i++) {
      try {
        made = await this.createFolder(names.slice(0, i), "fail", options.signal);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        made = await this.stat(names.slice(0, i).join("/"), options);
        if (!made.folder)
          throw new FerryError(
            `cannot create folder ${names.join("/")}: ${names.slice(0, i).join("/")} is a file`,
            { code: "not_a_folder" },
          );
      }
    }
    return made as DriveItem;
  }

  private createFolder(
    names: string[],
    conflict: ConflictBehavior,
    signal?: AbortSignal,
  ): Promise<DriveItem> {
    const parent = names.slice(0, -1).join("/");
    return this.core.json<DriveItem>("POST", this.core.actionUrl(parent, "children"), {
      path: names.join("/"),
      json: { name: names.at(-1), folder: {}, "@microsoft.graph.conflictBehavior": conflict },
      // Repeating a create is harmless unless Graph picks a new name: with `fail` a retry whose first attempt
      // did land meets 409 (which mkdir -p accepts), with `replace` it replaces an empty folder; `rename`
      // would make a second folder, "name 1".
      idempotent: conflict !== "rename",
      ...(signal ? { signal } : {}),
    });
  }

  /** Deletes a file or folder (to the recycle bin). `ifMatch` guards against deleting a changed item. */
  async delete(path: string, options: { ifMatch?: string; signal?: AbortSignal } = {}): Promise<void> {
    if (normalizePath(path).length === 0) throw new FerryError("refusing to delete the drive root");
    await this.core.json<void>("DELETE", this.core.itemUrl(path), {
      path: display(path),
      ...(options.ifMatch ? { headers: { "if-match": options.ifMatch } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Moves and/or renames `from` to the full path `to`. The destination folder must exist. */
  async move(
    from: string,
    to: string,
    options: { conflict?: ConflictBehavior; signal?: AbortSignal } = {},
  ): Promise<DriveItem> {
    const source = await this.stat(from, { select: ["id"], ...sig(options.signal) });
    const { parent, name } = await this.destination(to, options.signal);
    return this.core.json<DriveItem>("PATCH", this.core.idUrl(source.id ?? ""), {
      path: display(from),
      json: {
        parentReference: { id: parent.id },
        name,
        "@microsoft.graph.conflictBehavior": options.conflict ?? "fail",
      },
      ...sig(options.signal),
    });
  }

  /** Copies `from` to the full path `to` on the service side, waiting for it to complete. */
  async copy(from: string, to: string, options: { signal?: AbortSignal } = {}): Promise<DriveItem> {
    const source = await this.stat(from, { select: ["id"], ...sig(options.signal) });
    const { parent, name } = await this.destination(to, options.signal);
    return copyItem(
      this.core,
      { id: source.id ?? "", path: display(from) },
      {
        parentId: parent.id ?? "",
        ...(parent.parentReference?.driveId ? { driveId: parent.parentReference.driveId } : {}),
        name,
      },
      options.signal,
    );
  }

  /** PATCHes the item's properties (e.g. `fileSystemInfo`, `description`) and returns it. */
  async update(
    path: string,
    patch: Record<string, unknown>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DriveItem> {
    return this.core.json<DriveItem>("PATCH", this.core.itemUrl(path), {
      path: display(path),
      json: patch,
      ...sig(options.signal),
    });
  }

  /** Changes below a folder since `token` (a previous `deltaLink`, or `latest`). */
  delta(folder = "", token?: string, options: { signal?: AbortSignal } = {}): Promise<DeltaResult> {
    return delta(this.core, folder, token, options.signal);
  }

  private async destination(to: string, signal?: AbortSignal): Promise<{ parent: DriveItem; name: string }> {
    const names = normalizePath(to);
    const name = names.at(-1);
    if (!name) throw new FerryError("the destination must name an item, not the drive root");
    try {
      const parent = await this.stat(names.slice(0, -1).join("/"), {
        select: ["id", "parentReference", "folder"],
        ...sig(signal),
      });
      if (!parent.folder)
        throw new FerryError(`destination ${names.slice(0, -1).join("/")} is not a folder`, {
          code: "not_a_folder",
        });
      return { parent, name };
    } catch (error) {
      if (error instanceof GraphError && error.status === 404) {
        throw new FerryError(
          `destination folder ${names.slice(0, -1).join("/") || "/"} does not exist; create it first (mkdir with parents)`,
          { code: "not_found" },
        );
      }
      throw error;
    }
  }
}

function sig(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** The path as people wrote it, for messages. */
function display(path: string): string {
  return path === "" ? "/" : path;
}
