import { describe, expect, it } from "vitest";
import {
  AuthError,
  DEFAULT_RETRY_OPTIONS,
  isRetryableStatus,
  isTransientNetworkError,
  NotFoundError,
  RetryPolicy,
  ThrottledError,
} from "../src/index.ts";

function fetchFailed(code: string): TypeError {
  const cause = Object.assign(new Error(`connect ${code}`), { code });
  return new TypeError("fetch failed", { cause });
}

const fixed = (r: number) => new RetryPolicy({ random: () => r });

describe("isRetryableStatus", () => {
  it("retries 429, 500, 502, 503, 504 and 509 only", () => {
    for (const s of [429, 500, 502, 503, 504, 509]) expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [200, 400, 401, 403, 404, 409, 412, 416, 501, 507])
      expect(isRetryableStatus(s), String(s)).toBe(false);
  });
});

describe("isTransientNetworkError", () => {
  it("recognises undici's fetch failed with a socket code on its cause", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET", "EAI_AGAIN"]) {
      expect(isTransientNetworkError(fetchFailed(code)), code).toBe(true);
    }
  });

  it("recognises a bare reset, a body cut off mid-read and browsers' fetch failures", () => {
    expect(isTransientNetworkError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(
      true,
    );
    expect(isTransientNetworkError(new TypeError("terminated"))).toBe(true);
    expect(isTransientNetworkError(new TypeError("Failed to fetch"))).toBe(true);
    expect(isTransientNetworkError(new TypeError("NetworkError when attempting to fetch resource."))).toBe(
      true,
    );
  });

  it("retries an abort the caller did not ask for, but never the caller's own abort", () => {
    const timeout = new DOMException("The operation timed out.", "TimeoutError");
    const abort = new DOMException("This operation was aborted", "AbortError");
    expect(isTransientNetworkError(timeout)).toBe(true);
    expect(isTransientNetworkError(abort, new AbortController().signal)).toBe(true);
    const user = new AbortController();
    user.abort();
    expect(isTransientNetworkError(abort, user.signal)).toBe(false);
    expect(isTransientNetworkError(fetchFailed("ECONNRESET"), user.signal)).toBe(false);
  });

  it("does not mistake programming errors for network failures", () => {
    expect(isTransientNetworkError(new TypeError("x is not a function"))).toBe(false);
    expect(isTransientNetworkError(new Error("boom"))).toBe(false);
    expect(isTransientNetworkError("ECONNRESET")).toBe(false);
    expect(isTransientNetworkError(undefined)).toBe(false);
  });
});

describe("RetryPolicy", () => {
  it("defaults to 10 attempts, 5 minutes, 250 ms base and a 30 s cap", () => {
    expect(DEFAULT_RETRY_OPTIONS).toMatchObject({
      maxAttempts: 10,
      maxElapsedMs: 300_000,
      baseDelayMs: 250,
      maxDelayMs: 30_000,
    });
  });

  it("backs off exponentially with full jitter, capped", () => {
    const top = fixed(0.999999);
    expect(top.backoffMs(1)).toBe(249);
    expect(top.backoffMs(2)).toBe(499);
    expect(top.backoffMs(3)).toBe(999);
    expect(top.backoffMs(8)).toBe(29_999);
    expect(top.backoffMs(20)).toBe(29_999);
    expect(fixed(0).backoffMs(5)).toBe(0);
    expect(fixed(0.5).backoffMs(3)).toBe(500);
  });

  it("retries a 500 after a jittered backoff", () => {
    expect(fixed(0.5).decide({ attempt: 2, elapsedMs: 0, status: 500 })).toEqual({
      retry: true,
      delayMs: 250,
    });
  });

  it("waits exactly Retry-After when the server gives one, even past the backoff cap", () => {
    const policy = fixed(0.5);
    expect(policy.decide({ attempt: 1, elapsedMs: 0, status: 429, retryAfter: 2.128 })).toEqual({
      retry: true,
      delayMs: 2128,
    });
    expect(policy.decide({ attempt: 1, elapsedMs: 0, status: 503, retryAfter: 45 })).toEqual({
      retry: true,
      delayMs: 45_000,
    });
  });

  it("takes status and Retry-After from a GraphError", () => {
    const throttled = new ThrottledError({
      status: 429,
      graphCode: "activityLimitReached",
      message: "m",
      retryAfter: 3,
    });
    expect(fixed(0).decide({ attempt: 1, elapsedMs: 0, error: throttled })).toEqual({
      retry: true,
      delayMs: 3000,
    });
    const missing = new NotFoundError({ status: 404, graphCode: "itemNotFound", message: "m" });
    expect(fixed(0).decide({ attempt: 1, elapsedMs: 0, error: missing }).retry).toBe(false);
    const auth = new AuthError({ status: 401, graphCode: "InvalidAuthenticationToken", message: "m" });
    expect(fixed(0).decide({ attempt: 1, elapsedMs: 0, error: auth }).retry).toBe(false);
  });

  it("retries network errors, and not other exceptions", () => {
    expect(fixed(0.5).decide({ attempt: 1, elapsedMs: 0, error: fetchFailed("ECONNRESET") })).toEqual({
      retry: true,
      delayMs: 125,
    });
    expect(fixed(0.5).decide({ attempt: 1, elapsedMs: 0, error: new RangeError("bug") }).retry).toBe(false);
  });

  it("stops after maxAttempts", () => {
    const policy = new RetryPolicy({ maxAttempts: 3, random: () => 0 });
    expect(policy.decide({ attempt: 2, elapsedMs: 0, status: 502 }).retry).toBe(true);
    const last = policy.decide({ attempt: 3, elapsedMs: 0, status: 502 });
    expect(last).toEqual({ retry: false, reason: "gave up after 3 attempts" });
  });

  it("stops when the wait would pass the total time budget", () => {
    const policy = new RetryPolicy({ maxElapsedMs: 10_000, random: () => 0 });
    expect(policy.decide({ attempt: 1, elapsedMs: 9_000, status: 429, retryAfter: 1 }).retry).toBe(true);
    const late = policy.decide({ attempt: 1, elapsedMs: 9_000, status: 429, retryAfter: 1.5 });
    expect(late.retry).toBe(false);
  });

  it("never retries once the caller aborted", () => {
    const user = new AbortController();
    user.abort();
    expect(fixed(0).decide({ attempt: 1, elapsedMs: 0, status: 503, signal: user.signal }).retry).toBe(false);
  });

  it("retries a non-idempotent call only on 429 or a connection never made", () => {
    const policy = fixed(0);
    expect(policy.decide({ attempt: 1, elapsedMs: 0, status: 429, idempotent: false }).retry).toBe(true);
    expect(policy.decide({ attempt: 1, elapsedMs: 0, status: 503, idempotent: false }).retry).toBe(false);
    expect(policy.decide({ attempt: 1, elapsedMs: 0, status: 500, idempotent: false }).retry).toBe(false);
    expect(
      policy.decide({ attempt: 1, elapsedMs: 0, error: fetchFailed("ECONNREFUSED"), idempotent: false })
        .retry,
    ).toBe(true);
    expect(
      policy.decide({ attempt: 1, elapsedMs: 0, error: fetchFailed("ECONNRESET"), idempotent: false }).retry,
    ).toBe(false);
  });
});
