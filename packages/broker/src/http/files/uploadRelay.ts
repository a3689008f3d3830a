// Uploads from the page into OneDrive, streamed through the broker. The page sends a file as fragments of a few
// MiB (`PUT /api/v1/onedrive/uploads/{id}`); each fragment's bytes flow from the browser's request straight into
// a PUT to the Graph upload session as they arrive, so the broker holds no file and no fragment in memory, only
// socket buffers. Fragments, not one long request, because the broker cuts off requests that take longer than
// its request timeout (a guard against slow-loris clients) and because a fragment that failed can be sent again
// without starting over. The Graph upload URL is pre-authenticated: it stays here, is never sent to the page,
// and gets no Authorization header (Graph answers 401 to one).

import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { FileEntry } from "@ferry/api";
import { FRAGMENT_UNIT, type OneDriveClient } from "@ferry/graph";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { HttpError } from "../httpError.ts";
import { driveFailure } from "./driveFailure.ts";
import { fileEntry, parentOf } from "./fileEntry.ts";

/** 5 MiB: 16 × 320 KiB (Graph wants fragments in multiples of 320 KiB); a few seconds even on a slow uplink. */
export const UPLOAD_FRAGMENT_BYTES = 16 * FRAGMENT_UNIT;
/** An upload nobody sent a fragment to for this long is forgotten (Graph expires idle sessions too). */
const IDLE_MS = 15 * 60_000;
/** One fragment's round trip to Graph, at most. */
const FRAGMENT_TIMEOUT_MS = 120_000;
/** Uploads one user may have open at once: each is a Graph session and a few hundred bytes here. */
const MAX_OPEN_PER_USER = 16;

interface PendingUpload {
  userId: string;
  path: string;
  size: number;
  /** Null for an empty file: upload sessions refuse 0 bytes, so it goes as one simple PUT. */
  uploadUrl: string | null;
  overwrite: boolean;
  nextOffset: number;
  expiresAt: number;
  /** A fragment is on its way to Graph; Graph takes them one at a time, in order. */
  busy: boolean;
}

export interface FragmentInput {
  /** `Content-Range` as sent: `bytes S-E/TOTAL`; absent only for the one empty request of a 0-byte file. */
  contentRange: string | undefined;
  contentLength: number;
  body: Readable;
}

export class UploadRelay {
  readonly #uploads = new Map<string, PendingUpload>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  /** Opens a Graph upload session for `path`; with `overwrite` false, an existing item there is a 409. */
  async start(
    client: OneDriveClient,
    userId: string,
    path: string,
    size: number,
    overwrite: boolean,
  ): Promise<{ uploadId: string; fragmentSize: number; expiresAt: number }> {
    this.#sweep();
    const open = [...this.#uploads.values()].filter((u) => u.userId === userId).length;
    if (open >= MAX_OPEN_PER_USER) {
      throw new HttpError(
        429,
        "rate_limited",
        `You have ${open} uploads open; finish or cancel one before starting another.`,
      );
    }
    try {
      if (!overwrite && (await client.exists(path))) {
        throw new HttpError(
          409,
          "conflict",
          `onedrive://${path} already exists. Confirm to replace it, or upload under another name.`,
        );
      }
      let uploadUrl: string | null = null;
      if (size > 0) {
        const response = await client.request("POST", client.core.actionUrl(path, "createUploadSession"), {
          // `fail` even after the check above: a file that appears meanwhile is not silently replaced.
          json: { item: { "@microsoft.graph.conflictBehavior": overwrite ? "replace" : "fail" } },
        });
        if (!response.ok) throw await graphRefusal(response, path);
        uploadUrl = ((await response.json()) as { uploadUrl: string }).uploadUrl;
      }
      const uploadId = randomBytes(24).toString("base64url");
      const expiresAt = Date.now() + IDLE_MS;
      this.#uploads.set(uploadId, {
        userId,
        path,
        size,
        uploadUrl,
        overwrite,
        nextOffset: 0,
        expiresAt,
        busy: false,
      });
      return { uploadId, fragmentSize: UPLOAD_FRAGMENT_BYTES, expiresAt };
    } catch (error) {
      throw driveFailure(error, path);
    }
  }

  /** Streams one fragment into the upload's Graph session; the last one returns the stored file. */
  async fragment(
    client: OneDriveClient,
    userId: string,
    uploadId: string,
    input: FragmentInput,
  ): Promise<
    { done: false; nextOffset: number; item: null } | { done: true; nextOffset: number; item: FileEntry }
  > {
    const upload = this.#own(userId, uploadId);
    if (upload.busy) {
      throw new HttpError(
        409,
        "conflict",
        "A fragment of this upload is still being sent; send them one at a time.",
      );
    }
    upload.busy = true;
    try {
      if (upload.uploadUrl === null) return await this.#empty(client, uploadId, upload, input);
      const range = parseRange(input.contentRange, upload);
      if (range.start !== upload.nextOffset) {
        throw new HttpError(
          409,
          "conflict",
          `This upload expects the fragment starting at byte ${upload.nextOffset}, not ${range.start}.`,
        );
      }
      const length = range.end - range.start + 1;
      const last = range.end === upload.size - 1;
      if (
        length !== input.contentLength ||
        length > UPLOAD_FRAGMENT_BYTES ||
        (!last && length !== UPLOAD_FRAGMENT_BYTES)
      ) {
        throw new HttpError(
          400,
          "invalid_request",
          `Send fragments of ${UPLOAD_FRAGMENT_BYTES} bytes (the last one shorter) whose Content-Length matches Content-Range.`,
        );
      }
      let response: Response;
      try {
        response = await this.fetchImpl(upload.uploadUrl, {
          method: "PUT",
          headers: {
            "content-length": String(length),
            "content-range": `bytes ${range.start}-${range.end}/${upload.size}`,
          },
          body: Readable.toWeb(input.body) as ReadableStream<Uint8Array>,
          duplex: "half",
          // A Graph that stops answering must not hold the fragment (and the upload's turn) forever.
          signal: AbortSignal.timeout(FRAGMENT_TIMEOUT_MS),
        } as RequestInit);
      } catch {
        // The browser went away mid-fragment, or Graph did: nothing past nextOffset counts, so it can be resent.
        throw new HttpError(
          502,
          "provider_error",
          `The fragment at byte ${range.start} of onedrive://${upload.path} did not reach OneDrive; send it again.`,
        );
      }
      upload.expiresAt = Date.now() + IDLE_MS;
      if (response.status === 200 || response.status === 201) {
        const item = (await response.json()) as DriveItem;
        this.#uploads.delete(uploadId);
        return { done: true, nextOffset: upload.size, item: fileEntry(item, parentOf(upload.path)) };
      }
      if (response.status === 202) {
        upload.nextOffset = nextExpected(await response.json(), range.end + 1);
        return { done: false, nextOffset: upload.nextOffset, item: null };
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        this.#uploads.delete(uploadId);
        throw new HttpError(
          410 as number,
          "not_found",
          `OneDrive ended the upload session for onedrive://${upload.path} (it expires when idle); start the upload again.`,
        );
      }
      throw await graphRefusal(response, upload.path);
    } finally {
      upload.busy = false;
    }
  }

  /** Cancels an upload: Graph discards what it received. */
  async cancel(userId: string, uploadId: string): Promise<void> {
    const upload = this.#own(userId, uploadId);
    this.#uploads.delete(uploadId);
    if (upload.uploadUrl !== null) {
      await this.fetchImpl(upload.uploadUrl, { method: "DELETE", signal: AbortSignal.timeout(10_000) })
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
    }
  }

  /** Open uploads, for tests and metrics. */
  get size(): number {
    return this.#uploads.size;
  }

  /** Another user's upload id is answered exactly like an unknown one. */
  #own(userId: string, uploadId: string): PendingUpload {
    const upload = this.#uploads.get(uploadId);
    if (upload === undefined || upload.userId !== userId || upload.expiresAt < Date.now()) {
      throw new HttpError(
        404,
        "not_found",
        "No such upload: it finished, was cancelled or expired after 15 minutes without a fragment. Start it again.",
      );
    }
    return upload;
  }

  async #empty(client: OneDriveClient, uploadId: string, upload: PendingUpload, input: FragmentInput) {
    if (input.contentLength !== 0) {
      throw new HttpError(400, "invalid_request", "This upload is of an empty file: send no bytes.");
    }
    input.body.resume();
    try {
      const url = client.core.actionUrl(upload.path, "content", {
        "@microsoft.graph.conflictBehavior": upload.overwrite ? "replace" : "fail",
      });
      const response = await client.request("PUT", url, {
        data: new Uint8Array(0),
        headers: { "content-type": "application/octet-stream" },
      });
      if (!response.ok) throw await graphRefusal(response, upload.path);
      const item = (await response.json()) as DriveItem;
      this.#uploads.delete(uploadId);
      return { done: true as const, nextOffset: 0, item: fileEntry(item, parentOf(upload.path)) };
    } catch (error) {
      throw driveFailure(error, upload.path);
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, upload] of this.#uploads) {
      if (upload.expiresAt < now && !upload.busy) this.#uploads.delete(id);
    }
  }
}

function parseRange(header: string | undefined, upload: PendingUpload): { start: number; end: number } {
  const match = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(header ?? "");
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (match === null || Number(match[3]) !== upload.size || end < start || end >= upload.size) {
    throw new HttpError(
      400,
      "invalid_request",
      `Send each fragment with Content-Range: bytes START-END/${upload.size} (this upload's size).`,
    );
  }
  return { start, end };
}

/** The first `nextExpectedRanges` start ("26214400-" or "26214400-52428799"), or `fallback`. */
function nextExpected(body: unknown, fallback: number): number {
  const ranges = (body as { nextExpectedRanges?: unknown })?.nextExpectedRanges;
  const first = Array.isArray(ranges) && typeof ranges[0] === "string" ? ranges[0] : undefined;
  const start = first === undefined ? Number.NaN : Number(first.split("-")[0]);
  return Number.isSafeInteger(start) ? start : fallback;
}

async function graphRefusal(response: Response, path: string): Promise<HttpError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
  const code = body?.error?.code ?? `http ${response.status}`;
  if (response.status === 409 || code === "nameAlreadyExists") {
    return new HttpError(
      409,
      "conflict",
      `onedrive://${path} already exists. Confirm to replace it, or upload under another name.`,
    );
  }
  if (response.status === 507 || code === "quotaLimitReached") {
    return new HttpError(
      507 as number,
      "provider_error",
      `Your OneDrive is full: there is no room for onedrive://${path}.`,
    );
  }
  return new HttpError(
    502,
    "provider_error",
    `OneDrive refused the upload of onedrive://${path} (${code}). Try again.`,
  );
}
