import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEV_CLIENT_ID, EmulatorAdmin } from "../src/index.ts";
import { codeFlow, expectAadError, token } from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

let emu: TestEmulator;
let admin: EmulatorAdmin;
beforeAll(async () => {
  emu = await startTestEmulator({ autoConsent: "personal" });
  admin = new EmulatorAdmin(emu.url);
});
afterAll(() => emu.close());
beforeEach(async () => {
  await admin.clearFaults();
  await admin.resetCounters();
});

const TOKEN_PATH = "/oauth2/v2.0/token";

async function signedIn(): Promise<Record<string, unknown>> {
  const res = await codeFlow(emu, "common", { scope: "Files.ReadWrite offline_access User.Read" });
  expect(res.status).toBe(200);
  return res.body;
}

function refresh(refreshToken: unknown) {
  return fetch(`${emu.url}/common${TOKEN_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: DEV_CLIENT_ID,
      grant_type: "refresh_token",
      refresh_token: String(refreshToken),
    }),
  });
}

describe("scripted faults on the identity platform's token endpoint", () => {
  it("answer a status in the identity platform's error format, then let the next request through", async () => {
    const { refresh_token } = await signedIn();
    await admin.faults({ path: TOKEN_PATH, status: 503, retryAfter: 3 });
    const failed = await token(emu, "common", {
      grant_type: "refresh_token",
      refresh_token: String(refresh_token),
    });
    expectAadError(failed, 503, "temporarily_unavailable", 90033);
    expect(failed.headers.get("retry-after")).toBe("3");
    const ok = await token(emu, "common", {
      grant_type: "refresh_token",
      refresh_token: String(refresh_token),
    });
    expect(ok.status).toBe(200);
    expect(await admin.refreshGrants()).toBe(1);
    expect((await admin.counters()).faults.scripted).toBe(1);
  });

  it("send a scripted HTML page as is, as a gateway in front of Microsoft does", async () => {
    const { refresh_token } = await signedIn();
    await admin.faults({ path: TOKEN_PATH, status: 503, body: "<html>Service Unavailable</html>" });
    const res = await refresh(refresh_token);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toBe("<html>Service Unavailable</html>");
    expect(await admin.refreshGrants()).toBe(0);
  });

  it("drop the connection before any answer on a reset", async () => {
    const { refresh_token } = await signedIn();
    await admin.faults({ path: TOKEN_PATH, kind: "reset", count: 2 });
    await expect(refresh(refresh_token)).rejects.toThrow(/fetch failed/);
    await expect(refresh(refresh_token)).rejects.toThrow(/fetch failed/);
    expect((await refresh(refresh_token)).status).toBe(200);
    expect(await admin.refreshGrants()).toBe(1);
  });

  it("omitExpiresIn drops expires_in and ext_expires_in from token answers, keeping the rest", async () => {
    await admin.faults({ path: TOKEN_PATH, kind: "omitExpiresIn", count: 2 });
    const first = await signedIn();
    expect(first).not.toHaveProperty("expires_in");
    expect(first).not.toHaveProperty("ext_expires_in");
    expect(first).toMatchObject({ token_type: "Bearer", access_token: expect.any(String) });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(await second.json()).not.toHaveProperty("expires_in");
    const third = (await (await refresh(first.refresh_token)).json()) as Record<string, unknown>;
    expect(third.expires_in).toEqual(expect.any(Number));
  });

  it("reach the identity endpoints only when the rule names them, so Graph throttling leaves sign-in alone", async () => {
    await admin.faults({ status: 429, durationSeconds: 60 });
    const signIn = await signedIn();
    expect(signIn.access_token).toEqual(expect.any(String));
    expect((await emu.graph("me")).status).toBe(429);
    expect(await admin.requestCount({ route: TOKEN_PATH, status: 200 })).toBe(1);
    // A faulted request is answered before Graph's router names it: it counts under `/v1.0/*`.
    expect(await admin.requestCount({ route: "/v1.0/", status: 429 })).toBe(1);
  });

  it("are refused with a clear message when a non-status fault carries status fields", async () => {
    for (const [spec, message] of [
      [{ kind: "reset", body: "x" }, /a 'reset' fault takes no 'body'/],
      [{ kind: "omitExpiresIn", status: 500 }, /a 'omitExpiresIn' fault takes no 'status'/],
      [{ innerError: "x" }, /'innerError' must be a JSON object/],
      [{ headers: { "retry-after": 5 } }, /'headers' values must be strings/],
    ] as const) {
      await expect(admin.faults(spec as never)).rejects.toThrow(message);
    }
    expect(await admin.listFaults()).toEqual([]);
  });
});

describe("scripted Graph faults", () => {
  it("merge innerError fields into Graph's error JSON, nested as Graph nests them", async () => {
    await admin.faults({
      path: "/v1.0/me/drive",
      status: 400,
      code: "invalidRequest",
      message: "Invalid request",
      innerError: { code: "invalidRequest", innerError: { code: "nameContainsInvalidCharacters" } },
    });
    const res = await emu.graph("me/drive/root:/a:b.txt");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; innerError: Record<string, unknown> } };
    expect(body.error.code).toBe("invalidRequest");
    expect(body.error.innerError).toMatchObject({
      code: "invalidRequest",
      innerError: { code: "nameContainsInvalidCharacters" },
      "request-id": res.headers.get("request-id"),
    });
  });

  it("send extra headers, such as Retry-After as an HTTP-date", async () => {
    const at = "Sun, 01 Mar 2026 12:00:30 GMT";
    await admin.faults({ path: "/v1.0/me", status: 503, headers: { "retry-after": at } });
    const res = await emu.graph("me");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe(at);
  });
});

describe("scripted corruption", () => {
  it("flips one byte of a download body at the offset given, and only for the requests it matches", async () => {
    await admin.seed({ account: "personal", files: [{ path: "corrupt/c.txt", content: "abcdef" }] });
    const located = await emu.graph("me/drive/root:/corrupt/c.txt:/content");
    const url = located.headers.get("location") ?? "";
    await admin.faults({ route: "/dl/", kind: "corrupt", afterBytes: 2 });
    const bad = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(bad).toHaveLength(6);
    expect(bad[2]).toBe("c".charCodeAt(0) ^ 0xff);
    expect(bad.toString("latin1", 3)).toBe("def");
    expect(await (await fetch(url)).text()).toBe("abcdef");
  });
});

describe("EmulatorAdmin.requestCount", () => {
  it("sums the counters by method, route substring or pattern, and status or status test", async () => {
    await emu.graph("me");
    await emu.graph("me");
    await emu.graph("me/drive/root:/missing.txt");
    expect(await admin.requestCount({ method: "get", route: "GET /me" })).toBe(2);
    expect(await admin.requestCount({ route: /^GET \/drive\/root:/, status: 404 })).toBe(1);
    expect(await admin.requestCount({ route: /^GET \/(me|drive)/, status: (s) => s < 300 })).toBe(2);
    expect(await admin.requestCount({ method: "PATCH" })).toBe(0);
  });
});
