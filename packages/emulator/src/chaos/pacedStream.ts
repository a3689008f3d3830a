import { Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { sliceBytes, type TokenBucket } from "./tokenBucket.ts";

/**
 * Passes bytes through no faster than the bucket allows. Backpressure is the Transform's own: a
 * chunk is not accepted until the previous one has been paced out, so memory stays at about one
 * chunk whatever the body size, and a paced upload leaves the rest of the body in the socket,
 * which slows the sender down through TCP exactly as a thin link would.
 */
export function pacedStream(bucket: TokenBucket, rate: () => number): Transform {
  return new Transform({
    async transform(chunk: Buffer, _encoding, done) {
      try {
        for (let offset = 0; offset < chunk.length; ) {
          const n = Math.min(sliceBytes(rate()), chunk.length - offset);
          const wait = bucket.take(n);
          // Node's timers cannot sleep less than a millisecond; smaller debts are paid next slice.
          if (wait >= 1) await sleep(wait);
          if (this.destroyed) return;
          this.push(chunk.subarray(offset, offset + n));
          offset += n;
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
