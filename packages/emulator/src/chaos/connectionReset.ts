import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform } from "node:stream";

/**
 * A connection dropped in the middle of a body: the failure that makes clients resume downloads
 * from a Range and upload sessions from `nextExpectedRanges`. Unlike an error status it gives the
 * client nothing to read but a short body and a broken socket.
 */
export interface ResetPlan {
  /** Bytes of body that get through (scripted faults); otherwise `fraction` of the body does. */
  afterBytes?: number;
  /** Drawn when the request arrived, so where the cut falls is reproducible from the seed. */
  fraction: number;
  /** Set once a body has been cut, so a request is cut once. */
  used: boolean;
}

/** When the body length is unknown (chunked), the cut falls within its first 64 KiB. */
const UNKNOWN_LENGTH_SPAN = 64 * 1024;

/** Where to cut a body of `length` bytes: strictly inside it, so the client always sees it short. */
export function cutPoint(plan: ResetPlan, length: number | undefined): number {
  const last = length === undefined ? Number.POSITIVE_INFINITY : Math.max(0, length - 1);
  if (plan.afterBytes !== undefined) return Math.min(plan.afterBytes, last);
  if (length !== undefined && length < 2) return 0;
  const span = length ?? UNKNOWN_LENGTH_SPAN;
  return 1 + Math.floor(plan.fraction * (span - 1));
}

/**
 * The last stage of an outgoing body: forwards bytes up to the cut, then closes the socket
 * without finishing the response. It holds one chunk back so that, even when the body ends
 * before the cut point, the final bytes are withheld and the response stays incomplete.
 */
export class ResponseCutter extends Transform {
  private held: Buffer | undefined;
  private sent = 0;
  private cutAt: number | undefined;
  private done = false;

  constructor(
    private readonly plan: ResetPlan,
    private readonly res: ServerResponse,
    private readonly knownLength?: number,
  ) {
    super();
    plan.used = true;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (!this.done) {
      this.cutAt ??= cutPoint(this.plan, this.knownLength ?? contentLength(this.res));
      const previous = this.held;
      this.held = chunk;
      if (previous) this.forward(previous, false);
    }
    callback();
  }

  override _flush(_callback: () => void): void {
    // The callback is never called: ending the stream would let the response complete.
    if (this.done) return;
    this.cutAt ??= cutPoint(this.plan, this.knownLength ?? contentLength(this.res));
    this.forward(this.held ?? Buffer.alloc(0), true);
  }

  private forward(chunk: Buffer, last: boolean): void {
    const room = (this.cutAt ?? 0) - this.sent;
    if (!last && chunk.length < room) {
      this.push(chunk);
      this.sent += chunk.length;
      return;
    }
    const n = Math.max(0, Math.min(room, last ? chunk.length - 1 : chunk.length));
    if (n > 0) this.push(chunk.subarray(0, n));
    this.sent += n;
    this.done = true;
    destroyWhenFlushed(this.res, () => this.readableLength);
  }
}

/**
 * Closes the connection once the bytes already handed over have reached the kernel, so the
 * client really receives the partial body before the connection drops.
 */
export function destroyWhenFlushed(res: ServerResponse, pending: () => number = () => 0): void {
  let polls = 0;
  const poll = () => {
    if (res.destroyed) return;
    if ((pending() === 0 && res.writableLength === 0) || ++polls > 500) res.destroy();
    else setTimeout(poll, 2);
  };
  setImmediate(poll);
}

/**
 * Reads an upload body up to the cut, then drops the connection; the handler reading it sees the
 * same ECONNRESET it would see if the client's network had failed.
 */
export function incomingCutter(plan: ResetPlan, request: IncomingMessage): Transform {
  plan.used = true;
  const declared = Number(request.headers["content-length"]);
  const cutAt = cutPoint(plan, Number.isFinite(declared) ? declared : undefined);
  let seen = 0;
  const reset = (callback: (err?: Error) => void) => {
    request.socket?.destroy();
    callback(
      Object.assign(new Error("The connection was reset by the emulator's chaos."), { code: "ECONNRESET" }),
    );
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (seen + chunk.length < cutAt) {
        seen += chunk.length;
        callback(null, chunk);
        return;
      }
      const part = chunk.subarray(0, Math.max(0, cutAt - seen));
      if (part.length > 0) this.push(part);
      seen += part.length;
      reset(callback);
    },
    flush(callback) {
      // The body ended before the cut point (a short chunked body): the reset still happens.
      reset(callback);
    },
  });
}

function contentLength(res: ServerResponse): number | undefined {
  const value = res.getHeader("content-length");
  const n = typeof value === "string" ? Number(value) : typeof value === "number" ? value : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}
