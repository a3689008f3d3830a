// Graph's resumable upload session: POST createUploadSession, then PUT fragments in order to the
// session's `uploadUrl` with `Content-Range: bytes S-E/TOTAL`. The upload URL is pre-authenticated
// and must be sent WITHOUT an Authorization header (Microsoft: sending one may cause a 401).
// After a failure the session itself says where to carry on: `GET uploadUrl` → `nextExpectedRanges`.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { FerryError, graphErrorFromResponse, UploadSessionGoneError } from "./errors.ts";
import type { GraphCore } from "./graphCore.ts";
import { streamingBody } from "./streams.ts";

export type ConflictBehavior = "fail" | "replace" | "rename";

/** Fragments must be a multiple of 320 KiB (except the last) and under 60 MiB. */
export const FRAGMENT_UNIT = 320 * 1024;
export const MAX_FRAGMENT = 60 * 1024 * 1024 - ((60 * 1024 * 1024) % FRAGMENT_UNIT);

interface SessionJson {
  uploadUrl: string;
  expirationDateTime?: string;
  nextExpectedRanges?: string[];
}

export type FragmentResult =
  | { done: false; next: number; maybeCommitted?: boolean }
  | { done: true; item: DriveItem };

export class UploadSession {
  /** Set when the final fragment had to be sent again: its first reply may have been lost. */
  private lastFragmentRetried = false;

  private constructor(
    private readonly core: GraphCore,
    readonly uploadUrl: string,
    readonly path: string,
  ) {}

  static async create(
    core: GraphCore,
    path: string,
    options: { conflict: ConflictBehavior; modifiedAt?: Date; signal?: AbortSignal },
  ): Promise<UploadSession> {
    const item: Record<string, unknown> = { "@microsoft.graph.conflictBehavior": options.conflict };
    // Setting the time here, not with a PATCH afterwards, avoids a second version of the file
    // (rclone found business drives keep one per PATCH).
    if (options.modifiedAt) item.fileSystemInfo = { lastModifiedDateTime: options.modifiedAt.toISOString() };
    const json = await core.json<SessionJson>("POST", core.actionUrl(path, "createUploadSession"), {
      path,
      json: { item },
      // Creating a session has no effect until bytes are committed to it; a duplicate just expires.
      idempotent: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!json?.uploadUrl) throw new FerryError(`${path}: Graph returned no uploadUrl for the upload session`);
    return new UploadSession(core, json.uploadUrl, path);
  }

  /** Sends bytes `[start, start + bytes.length)` of `total`. */
  async put(bytes: Uint8Array, start: number, total: number, signal?: AbortSignal): Promise<FragmentResult> {
    const end = start + bytes.length - 1;
    const last = end === total - 1;
    let sent = false;
    return this.core.transport.sendRead(
      {
        method: "PUT",
        url: this.uploadUrl,
        path: this.path,
        auth: false,
        headers: {
          "content-range": `bytes ${start}-${end}/${total}`,
          "content-type": "application/octet-stream",
          "content-length": String(bytes.length),
        },
        body: () => {
          // The body factory runs once per attempt: a second call means this fragment is a retry.
          if (sent && last) this.lastFragmentRetried = true;
          sent = true;
          return streamingBody(bytes);
        },
        // 416: the service already has (some of) these bytes, or wants others first — ask it where.
        // 404: the session expired, or it completed and the reply to the last fragment was lost.
        accept: (s) => s === 416 || s === 404,
        ...(signal ? { signal } : {}),
      },
      async (response) => {
        if (response.status === 416) {
          await response.body?.cancel();
          return { done: false, next: await this.nextExpected(signal) };
        }
        if (response.status === 404) {
          if (this.lastFragmentRetried) {
            await response.body?.cancel();
            return { done: false, next: total, maybeCommitted: true };
          }
          throw await sessionGone(response, "PUT", this.path);
        }
        if (response.status === 202) {
          const json = (await response.json()) as SessionJson;
          return { done: false, next: firstRange(json.nextExpectedRanges) ?? end + 1 };
        }
        return { done: true, item: (await response.json()) as DriveItem };
      },
    );
  }

  /** Where the service wants the next byte from. */
  async nextExpected(signal?: AbortSignal): Promise<number> {
    const json = await this.core.transport.sendRead(
      {
        method: "GET",
        url: this.uploadUrl,
        path: this.path,
        auth: false,
        accept: (s) => s === 404,
        ...(signal ? { signal } : {}),
      },
      async (response) => {
        if (response.status === 404) throw await sessionGone(response, "GET", this.path);
        return (await response.json()) as SessionJson;
      },
    );
    const next = firstRange(json.nextExpectedRanges);
    if (next === undefined)
      throw new FerryError(
        `${this.path}: the upload session reports nothing left to send but did not finish`,
      );
    return next;
  }

  /** Cancels the session so the service drops what it received. Never throws. */
  async cancel(): Promise<void> {
    try {
      const response = await this.core.transport.send({
        method: "DELETE",
        url: this.uploadUrl,
        path: this.path,
        auth: false,
        accept: () => true,
      });
      await response.body?.cancel();
    } catch {
      // Best effort: a session that could not be cancelled expires on its own.
    }
  }
}

function firstRange(ranges: string[] | undefined): number | undefined {
  const first = ranges?.[0];
  if (first === undefined) return undefined;
  const n = Number.parseInt(first.split("-")[0] ?? "", 10);
  return Number.isFinite(n) ? n : undefined;
}

async function sessionGone(
  response: Response,
  method: string,
  path: string,
): Promise<UploadSessionGoneError> {
  const answer = await graphErrorFromResponse(response, { method, path });
  return new UploadSessionGoneError({
    status: answer.status,
    graphCode: answer.graphCode,
    message: `${path}: the upload session ended before the upload finished (it expired or was cancelled); upload the file again`,
    requestId: answer.requestId,
    path,
    cause: answer,
  });
}
