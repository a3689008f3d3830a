import { type RunningEmulator, type ScriptedFaultSpec, startEmulator } from "@ferry/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AuthError,
  ConflictError,
  FerryError,
  GraphError,
  graphErrorFromResponse,
  IntegrityError,
  InvalidPathError,
  NotFoundError,
  parseRetryAfter,
  redactSecrets,
  ThrottledError,
  UploadSessionGoneError,
} from "../src/index.ts";

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
afterEach(() => emu.admin.clearFaults());

/**
 * Graph's answer to a request the emulator fails as scripted: the error bodies and headers here are the
 * emulator's, which follow Microsoft's, rather than made up by the test. Faults are decided as a request
 * arrives, before its token is checked, so no token is needed.
 */
async function faulted(spec: ScriptedFaultSpec, method = "GET"): Promise<Response> {
  await emu.admin.faults({ path: "/reports/q1.csv", ...spec });
  return fetch(`${emu.graphUrl}/me/drive/root:/reports/q1.csv:/content`, { method });
}

const ctx = { method: "get", path: "reports/q1.csv" };

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");

  it("reads whole and decimal seconds", () => {
    expect(parseRetryAfter("5", now)).toBe(5);
    expect(parseRetryAfter("2.128", now)).toBe(2.128);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("turns an HTTP-date into the seconds left until it, never negative", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("Sun, 01 Mar 2026 11:59:00 GMT", now)).toBe(0);
    // The obsolete forms RFC 9110 still asks recipients to accept.
    expect(parseRetryAfter("Sunday, 01-Mar-26 12:00:10 GMT", now)).toBe(10);
    expect(parseRetryAfter("Sun Mar  1 12:00:20 2026", now)).toBe(20);
  });

  it("returns undefined for a missing or unreadable value", () => {
    for (const v of [null, undefined, "", "soon", "-1", "5s", "1e3", "2026-03-01"]) {
      expect(parseRetryAfter(v, now), String(v)).toBeUndefined();
    }
  });
});

describe("graphErrorFromResponse, on the emulator's error answers", () => {
  it("parses Graph's error body with innerError (camel case)", async () => {
    const res = await faulted({
      status: 404,
      code: "itemNotFound",
      message: "The resource could not be found.",
    });
    const inner = ((await res.clone().json()) as { error: { innerError: Record<string, string> } }).error
      .innerError;
    const e = await graphErrorFromResponse(res, ctx);
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toBeInstanceOf(GraphError);
    expect(e).toBeInstanceOf(FerryError);
    expect(e).toMatchObject({
      status: 404,
      graphCode: "itemNotFound",
      innerCode: undefined,
      requestId: res.headers.get("request-id"),
      date: inner.date,
      path: "reports/q1.csv",
      retryAfter: undefined,
    });
    expect(e.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(e.message).toContain("GET reports/q1.csv");
    expect(e.message).toContain("not found: check the path");
    expect(e.message).toContain("The resource could not be found.");
  });

  it("takes the deepest inner code of a nested innerError", async () => {
    const res = await faulted(
      {
        status: 400,
        code: "invalidRequest",
        message: "Invalid request",
        innerError: { code: "invalidRequest", innerError: { code: "nameContainsInvalidCharacters" } },
      },
      "PUT",
    );
    const e = await graphErrorFromResponse(res, { method: "PUT", path: "a/b.txt" });
    expect(e.constructor).toBe(GraphError);
    expect(e.graphCode).toBe("invalidRequest");
    expect(e.innerCode).toBe("nameContainsInvalidCharacters");
    expect(e.message).toContain("rename it");
  });

  it("parses innererror (lower case), as SharePoint-backed answers spell it", async () => {
    const body = {
      error: {
        code: "invalidRequest",
        message: "Invalid request",
        innererror: { code: "invalidRequest", innererror: { code: "nameContainsInvalidCharacters" } },
      },
    };
    const res = await faulted(
      { status: 400, body: JSON.stringify(body), contentType: "application/json" },
      "PUT",
    );
    const e = await graphErrorFromResponse(res, { method: "PUT", path: "a/b.txt" });
    expect(e.graphCode).toBe("invalidRequest");
    expect(e.innerCode).toBe("nameContainsInvalidCharacters");
  });

  it("reads 416 fragment errors' inner code", async () => {
    const res = await faulted(
      { status: 416, code: "invalidRange", innerError: { code: "fragmentOverlap" } },
      "PUT",
    );
    const e = await graphErrorFromResponse(res, { method: "PUT", path: "big.bin" });
    expect(e.innerCode).toBe("fragmentOverlap");
    expect(e.message).toContain("nextExpectedRanges");
  });

  it("falls back to the request-id and Date headers", async () => {
    const res = await faulted({
      status: 500,
      body: JSON.stringify({ error: { code: "generalException", message: "boom" } }),
      contentType: "application/json",
    });
    const requestId = res.headers.get("request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const e = await graphErrorFromResponse(res, ctx);
    expect(e.requestId).toBe(requestId);
    expect(e.date).toBe(res.headers.get("date"));
    expect(e.message).toContain(`(request-id ${requestId})`);
    expect(e.message).toContain("retry later");
  });

  it("copes with a body that is not Graph's JSON", async () => {
    for (const [body, contentType] of [
      ["<html>Bad Gateway</html>", "text/html"],
      ["", "text/plain"],
      ["null", "application/json"],
      ['{"error":"nope"}', "application/json"],
      ["[1]", "application/json"],
    ]) {
      const e = await graphErrorFromResponse(await faulted({ status: 502, body, contentType }), ctx);
      expect(e.status, body).toBe(502);
      expect(e.graphCode).toBe("httpStatus502");
      expect(e.message).toContain("HTTP 502");
    }
  });

  it.each([
    [401, "InvalidAuthenticationToken", AuthError, "token rejected or expired: reconnect OneDrive"],
    [403, "accessDenied", AuthError, "access denied"],
    [404, "itemNotFound", NotFoundError, "not found: check the path"],
    [409, "nameAlreadyExists", ConflictError, "already exists"],
    [412, "resourceModified", ConflictError, "changed since it was read"],
    [429, "activityLimitReached", ThrottledError, "throttled by Microsoft"],
    [503, "serviceNotAvailable", ThrottledError, "unavailable"],
    [507, "quotaLimitReached", GraphError, "OneDrive is full"],
    [410, "resyncRequired", GraphError, "start again"],
    [504, "gatewayTimeout", GraphError, "failed on its side"],
  ])("maps %i %s to the right class and advice", async (status, code, cls, advice) => {
    const e = await graphErrorFromResponse(await faulted({ status, code, message: "m" }), ctx);
    expect(e).toBeInstanceOf(cls);
    expect(e.status).toBe(status);
    expect(e.graphCode).toBe(code);
    expect(e.message).toContain(advice);
    expect(e.message).toContain("reports/q1.csv");
  });

  it("reports Retry-After on throttling, in seconds, decimal or HTTP-date", async () => {
    const e = await graphErrorFromResponse(
      await faulted({ status: 429, code: "activityLimitReached", message: "slow down", retryAfter: 2.128 }),
      ctx,
    );
    expect(e).toBeInstanceOf(ThrottledError);
    expect(e.retryAfter).toBe(2.128);
    expect(e.message).toContain("throttled by Microsoft; retry after 2.128s");

    // An HTTP-date two minutes ahead. Its seconds are whole, so the value read back lies in (119, 120]
    // whenever it is parsed within a second; the lower bound leaves 19 s for a slow machine.
    const at = new Date(Date.now() + 120_000).toUTCString();
    const d = await graphErrorFromResponse(
      await faulted({ status: 503, body: "", contentType: "text/plain", headers: { "retry-after": at } }),
      ctx,
    );
    expect(d.retryAfter).toBeGreaterThan(100);
    expect(d.retryAfter).toBeLessThanOrEqual(120);
  });

  it("never puts a token in the message or path", async () => {
    const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const e = await graphErrorFromResponse(
      await faulted(
        { status: 401, code: "InvalidAuthenticationToken", message: `Bearer ${jwt} is invalid` },
        "PUT",
      ),
      { method: "PUT", path: `https://my.sharepoint.com/up/session?guid=1&tempauth=${jwt}` },
    );
    expect(e.message).not.toContain(jwt);
    expect(e.message).not.toContain("tempauth=");
    expect(e.path).toBe("https://my.sharepoint.com/up/session?…");
    expect(JSON.stringify(e)).not.toContain(jwt);
  });
});

describe("redactSecrets", () => {
  it("removes bearer tokens, JWTs and credential query parameters", () => {
    expect(redactSecrets("Authorization: Bearer abc.def-ghi")).toBe("Authorization: Bearer [redacted]");
    expect(redactSecrets("me/drive/root?access_token=xyz&x=1")).toBe(
      "me/drive/root?access_token=[redacted]&x=1",
    );
    expect(redactSecrets("token eyJa.eyJb.c here")).toBe("token [redacted] here");
    expect(redactSecrets("reports/q1.csv")).toBe("reports/q1.csv");
  });
});

describe("IntegrityError and InvalidPathError", () => {
  it("IntegrityError carries both hashes and the path, and says what to do", () => {
    const e = new IntegrityError({ path: "a/b.bin", expectedHash: "AAAA", actualHash: "BBBB" });
    expect(e).toBeInstanceOf(GraphError);
    expect(e).toMatchObject({ expectedHash: "AAAA", actualHash: "BBBB", path: "a/b.bin", status: 0 });
    expect(e.graphCode).toBe("integrityMismatch");
    expect(e.message).toContain("a/b.bin");
    expect(e.message).toContain("transfer it again");
    expect(e.name).toBe("IntegrityError");
  });

  it("InvalidPathError is a FerryError but not a GraphError (no request was made)", () => {
    const e = new InvalidPathError("a:b", "forbiddenCharacter", 'contains ":"');
    expect(e).toBeInstanceOf(FerryError);
    expect(e).not.toBeInstanceOf(GraphError);
    expect(e.name).toBe("InvalidPathError");
    expect(e.message).toBe('invalid OneDrive path "a:b": contains ":"');
  });
});

describe("stable codes", () => {
  it.each([
    [401, "access_denied"],
    [403, "access_denied"],
    [404, "not_found"],
    [409, "conflict"],
    [412, "conflict"],
    [429, "throttled"],
    [503, "throttled"],
    [507, "graph_error"],
  ])("a Graph %i carries the stable code %s, Graph's own in graphCode", async (status, code) => {
    const e = await graphErrorFromResponse(await faulted({ status, code: "x", message: "m" }), ctx);
    expect(e.code).toBe(code);
    expect(e.graphCode).toBe("x");
  });

  it("every error Ferry raises on purpose has one", () => {
    expect(new FerryError("m").code).toBe("ferry_error");
    expect(new FerryError("m", { code: "copy_failed" }).code).toBe("copy_failed");
    expect(new InvalidPathError("a:b", "forbiddenCharacter", "r").code).toBe("invalid_path");
    expect(new IntegrityError({ path: "p", expectedHash: "A", actualHash: "B" }).code).toBe("hash_mismatch");
    expect(new UploadSessionGoneError({ status: 404, graphCode: "itemNotFound", message: "m" }).code).toBe(
      "upload_session_gone",
    );
  });
});
