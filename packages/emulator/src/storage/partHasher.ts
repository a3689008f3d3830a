import { Worker } from "node:worker_threads";
import type { DriveType, Hashes } from "../drive/itemRecord.ts";
import { type HashAlgorithm, hashAlgorithmsFor, hashesOf } from "./contentHasher.ts";

/** Messages to partHashWorker.js. Ranges of one job are hashed in the order they are posted. */
type PartHashRequest =
  | { op: "open"; id: number; algorithms: HashAlgorithm[] }
  | { op: "range"; id: number; path: string; start: number; length: number }
  | { op: "digest"; id: number }
  | { op: "drop"; id: number };

type PartHashReply =
  | { id: number; size: number; digests: Partial<Record<HashAlgorithm, string>> }
  | { id: number; error: string };

export interface PartDigest {
  size: number;
  hashes: Hashes;
}

/**
 * Hashes an upload session's part file on a worker thread, fragment by fragment, as each one
 * lands on disk. QuickXorHash, SHA-1 and SHA-256 together cost more CPU than receiving the bytes;
 * on the thread that serves the sockets they would halve upload throughput, while the worker
 * reads them back from the page cache in parallel. Only fragments that arrived whole are queued,
 * so a fragment cut off mid-body needs no undoing here.
 */
export class PartHasher {
  private static worker: Worker | undefined;
  private static nextId = 1;
  private static readonly waiting = new Map<number, (reply: PartHashReply) => void>();

  private readonly id = PartHasher.nextId++;

  constructor(driveType: DriveType) {
    PartHasher.post({ op: "open", id: this.id, algorithms: hashAlgorithmsFor(driveType) });
  }

  /** Queues `length` bytes of `path` from `start`. */
  add(path: string, start: number, length: number): void {
    PartHasher.post({ op: "range", id: this.id, path, start, length });
  }

  /** Waits for every queued range and returns the size and Graph's hashes; the job ends. */
  digest(): Promise<PartDigest> {
    return new Promise((resolve, reject) => {
      PartHasher.waiting.set(this.id, (reply) => {
        if ("error" in reply) reject(new Error(`hashing the upload failed: ${reply.error}`));
        else resolve({ size: reply.size, hashes: hashesOf(reply.digests) });
      });
      PartHasher.post({ op: "digest", id: this.id });
    });
  }

  /** Forgets the job (a cancelled or expired session). */
  drop(): void {
    PartHasher.post({ op: "drop", id: this.id });
  }

  private static post(message: PartHashRequest): void {
    PartHasher.start().postMessage(message);
  }

  /** One worker for the whole process, started on first use; it never keeps the process alive. */
  private static start(): Worker {
    if (PartHasher.worker) return PartHasher.worker;
    const worker = new Worker(new URL("./partHashWorker.js", import.meta.url));
    worker.on("message", (reply: PartHashReply) => {
      const settle = PartHasher.waiting.get(reply.id);
      PartHasher.waiting.delete(reply.id);
      settle?.(reply);
    });
    const fail = (reason: string) => {
      if (PartHasher.worker === worker) PartHasher.worker = undefined;
      for (const [id, settle] of PartHasher.waiting) settle({ id, error: reason });
      PartHasher.waiting.clear();
    };
    worker.on("error", (err) => fail(err.message));
    worker.on("exit", (code) => fail(`the hashing worker exited with code ${code}`));
    // After the listeners: attaching a "message" listener refs the worker's port again, which kept
    // a stopped `ferry dev` alive after any large upload.
    worker.unref();
    PartHasher.worker = worker;
    return worker;
  }
}
