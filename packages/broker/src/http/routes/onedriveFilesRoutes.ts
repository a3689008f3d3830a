// The file explorer's routes, `/api/v1/onedrive/…`: the signed-in user's own OneDrive, through the broker, so the
// page never holds a Microsoft token and its Content Security Policy stays same-origin. Every route calls Graph with
// a token minted for the caller's user id (userDrive), so no route can reach another user's drive; upload ids are
// bound to the user who started them. State changes go through `authenticate`, which refuses cookie requests
// without the session's CSRF token or from another origin.

import { Readable } from "node:stream";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FolderPage } from "@ferry/api";
import { checkName, normalizePath, type OneDriveClient } from "@ferry/graph";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import type { FastifyInstance } from "fastify";
import { userDrive } from "../../onedrive/userDrive.ts";
import { authenticator, requireAuth } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { driveFailure, nameClash } from "../files/driveFailure.ts";
import { ENTRY_SELECT, fileEntry, parentOf } from "../files/fileEntry.ts";
import { UploadRelay } from "../files/uploadRelay.ts";
import { BYTE_ROUTES, FILE_ROUTES } from "../filesSchemas.ts";
import { HttpError } from "../httpError.ts";

/** Graph's largest page: a 20,000-item folder is 20 requests. */
const PAGE_SIZE = 1000;

export function onedriveFilesRoutes(ctx: BrokerContext) {
  const { authenticate } = authenticator(ctx);
  const uploads = new UploadRelay();
  const graphBase = new URL(ctx.config.graphUrl);

  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const drive = (userId: string): OneDriveClient => userDrive(ctx.minter, ctx.config.graphUrl, userId);

    // Fragments are raw bytes, streamed on to Graph as they arrive: the parser leaves the body unread (this scope
    // only), and the route reads request.raw itself. Its size is bounded by the fragment rule, not bodyLimit.
    instance.addContentTypeParser("application/octet-stream", (_request, _payload, done) => done(null));

    app.get(
      "/api/v1/onedrive/children",
      { onRequest: authenticate, schema: FILE_ROUTES["GET /api/v1/onedrive/children"] },
      async (request): Promise<FolderPage> => {
        const { user } = requireAuth(request);
        const folder = drivePathOf(request.query.path);
        const client = drive(user.id);
        const url =
          request.query.cursor === undefined
            ? client.core.actionUrl(folder, "children", { $top: PAGE_SIZE, $select: ENTRY_SELECT.join(",") })
            : followable(request.query.cursor, graphBase);
        try {
          const page = await client.get<{ value: DriveItem[]; "@odata.nextLink"?: string }>(url);
          return {
            path: folder,
            items: page.value.map((item) => fileEntry(item, folder)),
            nextCursor: page["@odata.nextLink"] ?? null,
          };
        } catch (error) {
          throw driveFailure(error, folder);
        }
      },
    );

    app.get(
      "/api/v1/onedrive/item",
      { onRequest: authenticate, schema: FILE_ROUTES["GET /api/v1/onedrive/item"] },
      async (request) => {
        const { user } = requireAuth(request);
        const path = drivePathOf(request.query.path);
        try {
          return fileEntry(await drive(user.id).stat(path), parentOf(path));
        } catch (error) {
          throw driveFailure(error, path);
        }
      },
    );

    app.get(
      "/api/v1/onedrive/preview",
      { onRequest: authenticate, schema: FILE_ROUTES["GET /api/v1/onedrive/preview"] },
      async (request) => {
        const { user } = requireAuth(request);
        const path = drivePathOf(request.query.path);
        const client = drive(user.id);
        try {
          const item = await client.stat(path, { select: ["name", "size", "folder"] });
          if (item.folder) {
            return {
              tabular: false as const,
              reason: "not_data" as const,
              message: "A folder has no preview; open it.",
            };
          }
          // Loaded on the first preview, not at start-up: @ferry/fs's readers (Arrow, Parquet, CSV) cost every
          // broker ~165 ms and their memory at start, and most brokers never preview a file.
          const { previewFile } = await import("../files/filePreview.ts");
          return await previewFile(client, path, item.size ?? 0);
        } catch (error) {
          throw driveFailure(error, path);
        }
      },
    );

    // Streamed through the broker rather than a redirect to the pre-authenticated URL: that URL is a bearer
    // capability for the file which would land in the browser's history and on another origin, and the page's
    // CSP names only this one. The bytes pass with backpressure, so a 1 GiB file costs socket buffers, not memory.
    app.get(
      "/api/v1/onedrive/content",
      { onRequest: authenticate, schema: BYTE_ROUTES["GET /api/v1/onedrive/content"] },
      async (request, reply) => {
        const { user } = requireAuth(request);
        const path = drivePathOf(request.query.path);
        let item: DriveItem;
        try {
          item = await drive(user.id).stat(path);
        } catch (error) {
          throw driveFailure(error, path);
        }
        const url = (item as Record<string, unknown>)["@microsoft.graph.downloadUrl"];
        if (item.folder || typeof url !== "string") {
          throw new HttpError(
            400,
            "invalid_request",
            `onedrive://${path} is a folder; download the files in it one by one.`,
          );
        }
        const range = request.headers.range;
        const upstream = await fetch(url, {
          headers: typeof range === "string" && /^bytes=\d*-\d*$/.test(range) ? { range } : {},
        }).catch(() => undefined);
        if (upstream === undefined || (!upstream.ok && upstream.status !== 206) || upstream.body === null) {
          await upstream?.body?.cancel();
          throw new HttpError(502, "provider_error", `OneDrive did not send onedrive://${path}; try again.`);
        }
        reply.code(upstream.status);
        for (const header of ["content-length", "content-range", "accept-ranges", "etag"]) {
          const value = upstream.headers.get(header);
          if (value !== null) reply.header(header, value);
        }
        // The type is fixed, not Graph's: an HTML or SVG file must never render on the broker's origin.
        reply.header("content-type", "application/octet-stream");
        reply.header("content-disposition", attachment(item.name ?? "download"));
        return reply.send(Readable.fromWeb(upstream.body as import("node:stream/web").ReadableStream));
      },
    );

    app.post(
      "/api/v1/onedrive/folders",
      { onRequest: authenticate, schema: FILE_ROUTES["POST /api/v1/onedrive/folders"] },
      async (request) => {
        const { user } = requireAuth(request);
        const parent = drivePathOf(request.body.parent);
        const name = nameOf(request.body.name);
        const path = parent === "" ? name : `${parent}/${name}`;
        try {
          return fileEntry(await drive(user.id).mkdir(path, { conflict: "fail" }), parent);
        } catch (error) {
          throw nameClash(
            error,
            path,
            `A file or folder named "${name}" already exists in onedrive://${parent}; nothing was created. Pick another name.`,
          );
        }
      },
    );

    app.post(
      "/api/v1/onedrive/rename",
      { onRequest: authenticate, schema: FILE_ROUTES["POST /api/v1/onedrive/rename"] },
      async (request) => {
        const { user } = requireAuth(request);
        const path = itemPathOf(request.body.path);
        const name = nameOf(request.body.name);
        try {
          const item = await drive(user.id).update(path, {
            name,
            "@microsoft.graph.conflictBehavior": "fail",
          });
          return fileEntry(item, parentOf(path));
        } catch (error) {
          throw nameClash(
            error,
            path,
            `"${name}" already exists in onedrive://${parentOf(path)}; onedrive://${path} keeps its name.`,
          );
        }
      },
    );

    app.delete(
      "/api/v1/onedrive/item",
      { onRequest: authenticate, schema: FILE_ROUTES["DELETE /api/v1/onedrive/item"] },
      async (request) => {
        const { user } = requireAuth(request);
        const path = itemPathOf(request.query.path);
        try {
          await drive(user.id).delete(path);
        } catch (error) {
          throw driveFailure(error, path);
        }
        request.log.info({ userId: user.id }, "OneDrive item deleted from the explorer");
        return {
          path,
          message: `onedrive://${path} is in your OneDrive recycle bin; restore it from there if this was a mistake.`,
        };
      },
    );

    app.post(
      "/api/v1/onedrive/uploads",
      { onRequest: authenticate, schema: FILE_ROUTES["POST /api/v1/onedrive/uploads"] },
      async (request) => {
        const { user } = requireAuth(request);
        const path = itemPathOf(request.body.path);
        const started = await uploads.start(
          drive(user.id),
          user.id,
          path,
          request.body.size,
          request.body.overwrite,
        );
        return { ...started, expiresAt: new Date(started.expiresAt).toISOString() };
      },
    );

    app.put(
      "/api/v1/onedrive/uploads/:uploadId",
      { onRequest: authenticate, schema: BYTE_ROUTES["PUT /api/v1/onedrive/uploads/:uploadId"] },
      async (request) => {
        const { user } = requireAuth(request);
        const length = Number(request.headers["content-length"]);
        if (!Number.isSafeInteger(length) || length < 0) {
          throw new HttpError(
            411 as number,
            "invalid_request",
            "Send each fragment with its Content-Length.",
          );
        }
        return uploads.fragment(drive(user.id), user.id, request.params.uploadId, {
          contentRange: request.headers["content-range"],
          contentLength: length,
          body: request.raw,
        });
      },
    );

    app.delete(
      "/api/v1/onedrive/uploads/:uploadId",
      { onRequest: authenticate, schema: BYTE_ROUTES["DELETE /api/v1/onedrive/uploads/:uploadId"] },
      async (request, reply) => {
        const { user } = requireAuth(request);
        await uploads.cancel(user.id, request.params.uploadId);
        return reply.code(204).send();
      },
    );
  };
}

/** A drive path from the page ("", "a/b", or "onedrive://a/b"), normalised by the one rule the CLI uses too. */
function drivePathOf(raw: string): string {
  try {
    return normalizePath(raw.replace(/^onedrive:\/\//i, "")).join("/");
  } catch (error) {
    throw driveFailure(error, raw);
  }
}

/** A drive path that names an item, not the root (which cannot be renamed, deleted or uploaded over). */
function itemPathOf(raw: string): string {
  const path = drivePathOf(raw);
  if (path === "") {
    throw new HttpError(400, "invalid_request", "That names the drive root; name a file or folder in it.");
  }
  return path;
}

function nameOf(raw: string): string {
  const name = raw.normalize("NFC");
  try {
    checkName(name);
  } catch (error) {
    throw driveFailure(error, name);
  }
  return name;
}

/**
 * A cursor is Graph's `@odata.nextLink`, which must be followed exactly as given. It comes back from the browser,
 * so it is only followed to Graph's own origin and API path: never a URL the broker would send a token elsewhere to.
 */
function followable(cursor: string, graphBase: URL): string {
  let url: URL;
  try {
    url = new URL(cursor);
  } catch {
    throw new HttpError(
      400,
      "invalid_request",
      "The cursor is not one this broker handed out; reload the folder.",
    );
  }
  const base = graphBase.pathname.replace(/\/$/, "");
  if (
    url.origin !== graphBase.origin ||
    !url.pathname.startsWith(`${base}/`) ||
    url.username ||
    url.password
  ) {
    throw new HttpError(
      400,
      "invalid_request",
      "The cursor is not one this broker handed out; reload the folder.",
    );
  }
  return url.href;
}

/** `Content-Disposition: attachment` with the name as RFC 6266 asks: an ASCII fallback and the UTF-8 original. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
