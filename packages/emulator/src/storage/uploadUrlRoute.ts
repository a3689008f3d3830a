import { rm } from "node:fs/promises";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Content } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import type { EmulatorState } from "../state.ts";
import { commitUpload, uploadedItemJson } from "./uploadCommit.ts";
import type { UploadSession } from "./uploadSessions.ts";
import { replacedSize } from "./uploadTarget.ts";

export const UPLOAD_PREFIX = "/up/";

/** Graph: every fragment but the last must be a multiple of 320 KiB. */
export const FRAGMENT_MULTIPLE = 320 * 1024;
/** Graph: a single request to an upload URL carries at most 60 MiB. */
export const MAX_FRAGMENT = 60 * 1024 * 1024;

type SessionRequest = FastifyRequest<{ Params: { sessionId: string } }>;

/** The session's pre-authenticated URL on `origin`, the one the createUploadSession call was addressed to. */
export function uploadUrlFor(origin: string, session: UploadSession): string {
  return `${origin}${UPLOAD_PREFIX}${session.id}`;
}

/** `{ expirationDateTime, nextExpectedRanges }`, the uploadSession status Graph reports. */
export function sessionStatus(state: EmulatorState, session: UploadSession) {
  return {
    expirationDateTime: state.clock.iso(session.expiresAt),
    nextExpectedRanges: state.uploads.nextExpectedRanges(session),
  };
}

async function requireSession(state: EmulatorState, request: SessionRequest): Promise<UploadSession> {
  if (request.headers.authorization !== undefined) state.counters.authOnPreauthenticatedUrl++;
  const session = await state.uploads.get(request.params.sessionId, state.clock.now());
  if (!session) {
    // Graph's advice for a 404 here is to start the whole upload over.
    throw new GraphFault(
      404,
      "itemNotFound",
      "The upload session was not found; it may have expired or been cancelled.",
    );
  }
  return session;
}

/** `GET uploadUrl`: where to resume. */
export async function getUploadStatus(state: EmulatorState, request: SessionRequest, reply: FastifyReply) {
  request.routeLabel = "GET /up/{sessionId}";
  const session = await requireSession(state, request);
  return reply.send(sessionStatus(state, session));
}

/** `DELETE uploadUrl`: cancels the session and removes the bytes received so far. */
export async function cancelUpload(state: EmulatorState, request: SessionRequest, reply: FastifyReply) {
  request.routeLabel = "DELETE /up/{sessionId}";
  const session = await requireSession(state, request);
  await state.uploads.close(session);
  return reply.code(204).send();
}

/** `POST uploadUrl` with an empty body: the explicit commit of a `deferCommit` session. */
export async function commitDeferred(state: EmulatorState, request: SessionRequest, reply: FastifyReply) {
  request.routeLabel = "POST /up/{sessionId}";
  const session = await requireSession(state, request);
  if (session.inFlight || session.total === undefined || session.received < session.total) {
    throw new GraphFault(
      416,
      "invalidRange",
      "The upload session has not received every byte of the file yet.",
    );
  }
  return commitSession(state, request.origin, session, reply);
}

/** `PUT uploadUrl` with `Content-Range: bytes S-E/TOTAL`: one fragment. */
export async function putFragment(state: EmulatorState, request: SessionRequest, reply: FastifyReply) {
  request.routeLabel = "PUT /up/{sessionId}";
  const session = await requireSession(state, request);
  if (request.headers.authorization !== undefined && state.options.rejectAuthOnUploadUrl) {
    // Documented: "If you include the Authorization header when issuing the PUT call, it may
    // result in an HTTP 401 Unauthorized response."
    throw new GraphFault(
      401,
      "unauthenticated",
      "Upload URLs are pre-authenticated: send fragments without an Authorization header.",
    );
  }

  const range = parseContentRange(request.headers["content-range"]);
  const length = range.end - range.start + 1;
  if (session.total !== undefined && range.total !== session.total) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `The Content-Range total ${range.total} differs from the file size ${session.total} declared earlier in this session.`,
    );
  }
  const declared = request.headers["content-length"];
  if (declared !== undefined && Number(declared) !== length) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `Content-Length ${declared} does not match the ${length} bytes of Content-Range.`,
    );
  }
  if (length > MAX_FRAGMENT) {
    throw new GraphFault(
      413,
      "requestTooLarge",
      `A fragment may carry at most 60 MiB; this one has ${length} bytes.`,
    );
  }
  const last = range.end === range.total - 1;
  if (!last && length % FRAGMENT_MULTIPLE !== 0) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `Every fragment but the last must be a multiple of 320 KiB (327,680 bytes); this one has ${length} bytes.`,
    );
  }
  const inFlight = session.inFlight;
  if (inFlight) {
    // Never interleave two writers on one part file: the second caller is told the range is taken.
    throw rangeFault(
      range.start <= inFlight.end ? "fragmentOverlap" : "fragmentOutOfOrder",
      "Another fragment of this session is being uploaded right now.",
    );
  }
  if (range.start < session.received) {
    throw rangeFault("fragmentOverlap", `The server already has bytes up to ${session.received - 1}.`);
  }
  if (range.start > session.received) {
    throw rangeFault(
      "fragmentOutOfOrder",
      `Fragments must be sent in order; the next expected byte is ${session.received}.`,
    );
  }

  const drive = state.drives.byDriveId(session.target.driveId);
  if (session.total === undefined && drive)
    drive.quota.check(range.total - replacedSize(drive, session.target));
  session.total = range.total;
  await state.uploads.appendFragment(session, state.chaos.incoming(request), range.start, length, (chunk) => {
    state.counters.bytesIn += chunk.length;
  });
  if (session.closed) {
    throw new GraphFault(
      404,
      "itemNotFound",
      "The upload session was cancelled while this fragment was uploading.",
    );
  }
  session.expiresAt = state.clock.now() + state.options.uploadSessionLifetime * 1000;
  if (session.received < range.total || session.deferCommit) {
    return reply.code(202).send(sessionStatus(state, session));
  }
  return commitSession(state, request.origin, session, reply);
}

/**
 * Turns the part file into the file. The session ends whatever happens. After a clash (409) or a
 * full drive (507) Graph keeps the session until it expires, for a re-commit under other metadata
 * through `@microsoft.graph.sourceUrl`; the emulator does not offer that re-commit, so keeping the
 * session would only hold its bytes. Clients start over, as they must after any 404.
 */
async function commitSession(
  state: EmulatorState,
  origin: string,
  session: UploadSession,
  reply: FastifyReply,
) {
  state.uploads.detach(session);
  let content: Content;
  try {
    content = await state.blobs.adopt(session.partPath, await session.hasher.digest());
  } catch (err) {
    await rm(session.partPath, { force: true });
    throw err;
  }
  const { drive, item, created } = await commitUpload(
    state,
    session.target,
    content,
    session.conflict,
    session.fileSystemInfo,
  );
  return reply
    .code(created ? 201 : 200)
    .send(uploadedItemJson(state, origin, drive, session.target.base, item));
}

function rangeFault(innerCode: string, message: string): GraphFault {
  return new GraphFault(416, "invalidRange", message, { innerCode });
}

/**
 * `Content-Range: bytes S-E/TOTAL`. Graph has no way to express an empty fragment (the
 * rclone-observed answer to `bytes 0--1/0` is this 400), which is why 0-byte files cannot go
 * through an upload session.
 */
function parseContentRange(header: string | undefined): { start: number; end: number; total: number } {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+)\s*$/i.exec(header ?? "");
  const start = Number(m?.[1]);
  const end = Number(m?.[2]);
  const total = Number(m?.[3]);
  if (!m || end < start || end >= total) {
    throw new GraphFault(400, "invalidRequest", "The Content-Range header is missing or malformed.");
  }
  return { start, end, total };
}
