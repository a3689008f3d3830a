// Plain JavaScript on purpose: worker threads do not inherit the TypeScript loader, and one loaded
// inside the worker would cost about 35 MB of resident memory.
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { ServiceQuickXorHash } from "./quickXorHash.js";

/**
 * The worker side of `PartHasher` (partHasher.ts, which documents the messages): hashes byte
 * ranges of part files with the named algorithms, in the order the ranges were queued.
 */
const jobs = new Map();
const buffer = Buffer.allocUnsafe(1024 * 1024);

function hasherFor(algorithm) {
  if (algorithm === "quickXorHash") return new ServiceQuickXorHash();
  const hash = createHash(algorithm);
  return { update: (b) => hash.update(b), digest: () => hash.digest("hex") };
}

function hashRange(job, path, start, length) {
  const fd = openSync(path, "r");
  try {
    for (let done = 0; done < length; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, length - done), start + done);
      if (n === 0) throw new Error(`${path} ends before byte ${start + length}`);
      const bytes = buffer.subarray(0, n);
      for (const h of job.hashers.values()) h.update(bytes);
      job.size += n;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

parentPort.on("message", (m) => {
  const job = jobs.get(m.id);
  if (m.op === "open") {
    jobs.set(m.id, { hashers: new Map(m.algorithms.map((a) => [a, hasherFor(a)])), size: 0 });
  } else if (m.op === "range") {
    if (!job || job.error) return;
    try {
      hashRange(job, m.path, m.start, m.length);
    } catch (err) {
      job.error = err.message;
    }
  } else if (m.op === "digest") {
    jobs.delete(m.id);
    if (!job || job.error) {
      parentPort.postMessage({ id: m.id, error: job?.error ?? "unknown hash job" });
    } else {
      const digests = Object.fromEntries([...job.hashers].map(([a, h]) => [a, h.digest()]));
      parentPort.postMessage({ id: m.id, size: job.size, digests });
    }
  } else {
    jobs.delete(m.id);
  }
});
