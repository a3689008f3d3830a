import { createWriteStream } from "node:fs";
import { rm, truncate, writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ConflictBehavior } from "../drive/conflictPlacement.ts";
import type { DriveType, FileSystemInfo } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import { opaque } from "../secrets.ts";
import { PartHasher } from "./partHasher.ts";
import type { UploadTarget } from "./uploadTarget.ts";

/** One resumable upload: Graph's `uploadSession`, behind its pre-authenticated `uploadUrl`. */
export interface UploadSession {
  /** The secret in the upload URL; whoever holds the URL may upload, so it is unguessable. */
  id: string;
  target: UploadTarget;
  conflict: ConflictBehavior;
  fileSystemInfo: Partial<FileSystemInfo> | undefined;
  /** Graph's `deferCommit`: the last fragment does not create the file; an empty POST does. */
  deferCommit: boolean;
  driveType: DriveType;
  /** The file's size: `item.fileSize` at creation, or else the first fragment's Content-Range total. */
  total: number | undefined;
  /** Bytes received so far. Fragments arrive in order, so everything below this is on disk. */
  received: number;
  /** Emulator-clock ms; each accepted fragment pushes it out, as Graph documents. */
  expiresAt: number;
  partPath: string;
  /** Hashes each fragment once it is on disk, so the final fragment commits without a full re-read. */
  hasher: PartHasher;
  /** The range being written now. A second PUT meanwhile is refused rather than interleaved. */
  inFlight: { start: number; end: number } | undefined;
  /** Cancelled or expired while a fragment was being written; that writer removes the part file. */
  closed: boolean;
}

export type NewUploadSession = Pick<
  UploadSession,
  "target" | "conflict" | "fileSystemInfo" | "deferCommit" | "driveType" | "total"
>;

/**
 * Open upload sessions, in memory. Their part files live in the blob store's parts directory,
 * which is wiped at start-up, so a session never outlives the process that opened it.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  async open(
    spec: NewUploadSession,
    partPath: string,
    nowMs: number,
    lifetimeMs: number,
  ): Promise<UploadSession> {
    await this.sweep(nowMs);
    // The part file exists from the start so each fragment can write at its own offset.
    await writeFile(partPath, "");
    const session: UploadSession = {
      ...spec,
      id: opaque(24),
      received: 0,
      expiresAt: nowMs + lifetimeMs,
      partPath,
      hasher: new PartHasher(spec.driveType),
      inFlight: undefined,
      closed: false,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** A live session; an expired one is removed and answers as unknown (Graph: 404, start over). */
  async get(id: string, nowMs: number): Promise<UploadSession | undefined> {
    await this.sweep(nowMs);
    return this.sessions.get(id);
  }

  /** Forgets a session and removes its part file (unless a fragment writer still holds it). */
  async close(session: UploadSession): Promise<void> {
    this.sessions.delete(session.id);
    session.closed = true;
    session.hasher.drop();
    if (!session.inFlight) await rm(session.partPath, { force: true });
  }

  /** Forgets a session whose part file has been adopted as a blob. */
  detach(session: UploadSession): void {
    this.sessions.delete(session.id);
    session.closed = true;
  }

  /** Drops every session (admin reset). */
  async clear(): Promise<void> {
    for (const s of [...this.sessions.values()]) await this.close(s);
  }

  /** Graph's `nextExpectedRanges`: what the server still lacks, open-ended from the first gap. */
  nextExpectedRanges(session: UploadSession): string[] {
    if (session.total !== undefined && session.received >= session.total) return [];
    return [`${session.received}-`];
  }

  /**
   * Appends one fragment, streaming it to the part file. Only a fragment that arrived whole
   * advances the session and is queued for hashing; one whose body ends early (client reset, chaos
   * reset) or runs long is truncated away, so the session stays resumable at the
   * `nextExpectedRanges` it reports.
   */
  async appendFragment(
    session: UploadSession,
    body: Readable,
    start: number,
    length: number,
    onChunk: (chunk: Buffer) => void,
  ): Promise<void> {
    session.inFlight = { start, end: start + length - 1 };
    let got = 0;
    const out = createWriteStream(session.partPath, { flags: "r+", start, highWaterMark: 1024 * 1024 });
    const tooLong = new GraphFault(
      400,
      "invalidRequest",
      `The fragment body is longer than its ${length} bytes.`,
    );
    // Counted beside the pipe rather than in a stage of it: one less hop per chunk on the hot path.
    body.on("data", (chunk: Buffer) => {
      got += chunk.length;
      onChunk(chunk);
      // Only a chunked body can run long (Node enforces Content-Length); stop it rather than store it.
      if (got > length) body.destroy(tooLong);
    });
    try {
      await pipeline(body, out);
      if (got !== length) {
        throw new GraphFault(400, "invalidRequest", `The fragment body is shorter than its ${length} bytes.`);
      }
      session.received = start + length;
      if (!session.closed) session.hasher.add(session.partPath, start, length);
    } catch (err) {
      if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
      if (!session.closed) await truncate(session.partPath, start).catch(() => undefined);
      throw err;
    } finally {
      session.inFlight = undefined;
      if (session.closed && this.sessions.get(session.id) !== session) {
        await rm(session.partPath, { force: true }).catch(() => undefined);
      }
    }
  }

  private async sweep(nowMs: number): Promise<void> {
    for (const s of [...this.sessions.values()]) {
      if (s.expiresAt <= nowMs && !s.inFlight) await this.close(s);
    }
  }
}
