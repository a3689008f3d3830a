import { pipeline, type Readable, Transform } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { GraphFault } from "../fault.ts";
import { eTagOf } from "../graph/driveItemJson.ts";
import type { EmulatorState } from "../state.ts";
import { readDownloadGrant } from "./downloadUrl.ts";
import { parseRange } from "./rangeHeader.ts";

/**
 * `GET`/`HEAD /dl/{token}`: the file host behind `@microsoft.graph.downloadUrl`. Like Microsoft's,
 * it needs no Authorization (the token in the URL is the credential), honours a single byte
 * Range, and streams the body from disk so memory stays flat whatever the file size.
 */
export async function serveDownload(
  state: EmulatorState,
  request: FastifyRequest<{ Params: { token: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  request.routeLabel = `${request.method} /dl/{token}`;
  if (request.headers.authorization !== undefined) state.counters.authOnPreauthenticatedUrl++;

  const grant = readDownloadGrant(state, request.params.token);
  // Microsoft's file hosts treat the URL's embedded token like a credential: an altered URL
  // (OneDrive/onedrive-api-docs issue 792) and an expired one both fail authentication with 401.
  if (!grant) {
    throw new GraphFault(401, "unauthenticated", "The download URL is not valid: it has been altered.");
  }
  if (grant.e * 1000 <= state.clock.now()) {
    throw new GraphFault(
      401,
      "unauthenticated",
      "The download URL has expired. Get the item again for a fresh @microsoft.graph.downloadUrl.",
    );
  }
  if (!state.blobs.exists(grant.b)) {
    throw new GraphFault(404, "itemNotFound", "The file this download URL points to no longer exists.");
  }

  const size = grant.s;
  const range = parseRange(request.headers.range, size);
  if (range.kind === "unsatisfiable") {
    throw new GraphFault(416, "invalidRange", "The requested range is not satisfiable.", {
      headers: { "content-range": `bytes */${size}` },
    });
  }
  const item = state.drives.byDriveId(grant.d)?.get(grant.i);
  const current = item?.content?.blobId === grant.b ? item : undefined;
  reply.header("accept-ranges", "bytes");
  reply.header("etag", current ? eTagOf(current) : `"${grant.b}"`);
  reply.header("content-type", current?.mimeType ?? "application/octet-stream");
  reply.header("content-disposition", contentDisposition(item?.name ?? "download"));
  if (current) reply.header("last-modified", new Date(current.lastModifiedDateTime).toUTCString());

  const start = range.kind === "part" ? range.start : 0;
  const end = range.kind === "part" ? range.end : size - 1;
  if (range.kind === "part") {
    reply.code(206).header("content-range", `bytes ${start}-${end}/${size}`);
  }
  reply.header("content-length", String(end - start + 1));
  if (request.method === "HEAD" || end < start) return reply.send();

  const body = state.chaos.outgoing(request, state.blobs.read(grant.b, start, end));
  return reply.send(
    counted(body, (n) => {
      state.counters.bytesOut += n;
    }),
  );
}

/** Passes a body through, reporting bytes as they leave for the counters. */
function counted(source: Readable, onBytes: (n: number) => void): Readable {
  const meter = new Transform({
    readableHighWaterMark: 1024 * 1024,
    writableHighWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  pipeline(source, meter, () => undefined);
  return meter;
}

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266), as OneDrive sends. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
