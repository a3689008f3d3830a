/**
 * What a download should send, given the request's `Range` header (RFC 9110 §14.2).
 *
 * - `whole`: no usable Range. A missing header, a unit other than `bytes`, a malformed value and a
 *   multi-range request all land here: the RFC lets a server ignore Range, and Graph's docs warn
 *   clients that the file hosts may answer 200 with the whole body.
 * - `part`: one satisfiable range, inclusive `end`, answered 206.
 * - `unsatisfiable`: a well-formed single range that misses the file, answered 416.
 */
export type RangeRequest =
  | { kind: "whole" }
  | { kind: "part"; start: number; end: number }
  | { kind: "unsatisfiable" };

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/i;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: "whole" };
  const m = SINGLE_RANGE.exec(header.replace(/\s+/g, ""));
  if (!m) return { kind: "whole" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // `bytes=-n`: the last n bytes. `-0` asks for nothing, which no file can satisfy.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "part", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "part", start, end: Math.min(end, size - 1) };
}
