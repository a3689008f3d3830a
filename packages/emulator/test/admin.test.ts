import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorAdmin, EmulatorAdminError } from "../src/admin/adminClient.ts";
import { generatedBytes } from "../src/admin/generatedContent.ts";
import { DEV_CLIENT_ID } from "../src/options.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

interface DriveItemJson {
  id: string;
  name: string;
  size: number;
  folder?: { childCount: number };
  file?: { hashes: Record<string, string> };
}

async function adminFetch(emu: TestEmulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${emu.url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** Every refusal has the admin error shape and a message that says what is wrong. */
async function expectAdminError(
  emu: TestEmulator,
  method: string,
  path: string,
  body: unknown,
  status: number,
  message: RegExp,
) {
  const res = await adminFetch(emu, method, path, body);
  expect(res.status).toBe(status);
  const error = (res.json as { error: { code: string; message: string } }).error;
  expect(typeof error.code).toBe("string");
  expect(error.message).toMatch(message);
}

async function bytesOf(emu: TestEmulator, path: string, account = "personal"): Promise<Buffer> {
  const res = await emu.graph(`me/drive/root:/${path}:/content`, { account });
  expect(res.status).toBe(302);
  return Buffer.from(await (await fetch(res.headers.get("location") ?? "")).arrayBuffer());
}

describe("admin API", () => {
  let emu: TestEmulator;
  let admin: EmulatorAdmin;
  beforeAll(async () => {
    emu = await startTestEmulator();
    admin = emu.admin;
  });
  afterAll(() => emu.close());

  it("GET /_emulator/health answers ok, and startEmulator resolves with an admin client for it", async () => {
    expect(emu.admin).toBeInstanceOf(EmulatorAdmin);
    expect((await admin.health()).status).toBe("ok");
  });

  it("GET /_emulator/accounts lists the test accounts with their drives", async () => {
    const accounts = await admin.accounts();
    expect(accounts.map((a) => a.key)).toEqual(["personal", "work", "personal2"]);
    expect(accounts.find((a) => a.key === "work")?.driveType).toBe("business");
  });

  it("POST /_emulator/seed creates folders and text, base64 and generated files that Graph then serves", async () => {
    const result = await admin.seed({
      account: "personal",
      folders: ["seed/empty/deeper"],
      files: [
        { path: "seed/reports/q1.csv", content: "city,pop\nOslo,709000\n" },
        { path: "seed/bin/raw.bin", contentBase64: Buffer.from([0, 1, 2, 255]).toString("base64") },
        { path: "/seed/big.bin", size: 3_000_000 },
      ],
    });
    expect(result.items.map((i) => i.path)).toEqual([
      "seed/empty/deeper",
      "seed/reports/q1.csv",
      "seed/bin/raw.bin",
      "seed/big.bin",
    ]);
    const q1 = result.items[1];
    const item = (await (await emu.graph("me/drive/root:/seed/reports/q1.csv")).json()) as DriveItemJson;
    expect(item.id).toBe(q1?.id);
    expect(item.size).toBe(21);
    // Seeded files carry the hashes Graph reports for them (personal drives: all three).
    expect(item.file?.hashes.quickXorHash).toBe(q1?.hashes?.quickXorHash);
    expect(item.file?.hashes.sha256Hash).toMatch(/^[0-9A-F]{64}$/);
    expect((await bytesOf(emu, "seed/reports/q1.csv")).toString()).toBe("city,pop\nOslo,709000\n");
    expect([...(await bytesOf(emu, "seed/bin/raw.bin"))]).toEqual([0, 1, 2, 255]);
    expect((await bytesOf(emu, "seed/big.bin")).equals(generatedBytes(0, 3_000_000))).toBe(true);
    const folder = (await (await emu.graph("me/drive/root:/seed/empty")).json()) as DriveItemJson;
    expect(folder.folder?.childCount).toBe(1);
  });

  it("POST /_emulator/seed writes into the named account's drive only", async () => {
    await admin.seed({ account: "work", files: [{ path: "work-only.txt", content: "w" }] });
    expect((await emu.graph("me/drive/root:/work-only.txt", { account: "work" })).status).toBe(200);
    expect((await emu.graph("me/drive/root:/work-only.txt")).status).toBe(404);
  });

  it("POST /_emulator/seed refuses bad bodies with 4xx and a clear message, creating nothing", async () => {
    await expectAdminError(emu, "POST", "seed", { files: [] }, 400, /'account' is required/);
    await expectAdminError(emu, "POST", "seed", { account: "nobody" }, 404, /no test account 'nobody'/);
    await expectAdminError(emu, "POST", "seed", "{not json", 400, /not valid JSON/);
    await expectAdminError(
      emu,
      "POST",
      "seed",
      { account: "personal", extra: 1 },
      400,
      /unknown field 'extra'/,
    );
    await expectAdminError(
      emu,
      "POST",
      "seed",
      { account: "personal", files: [{ path: "x.txt", content: "a", size: 3 }] },
      400,
      /exactly one of/,
    );
    await expectAdminError(
      emu,
      "POST",
      "seed",
      { account: "personal", files: [{ path: "x.txt", size: -1 }] },
      400,
      /'size' must be >= 0/,
    );
    // OneDrive's naming rules apply to seeds too; the valid file listed first is not created either.
    await expectAdminError(
      emu,
      "POST",
      "seed",
      {
        account: "personal",
        files: [
          { path: "valid-first.txt", content: "a" },
          { path: "bad/na?me.txt", content: "a" },
        ],
      },
      400,
      /does not allow/,
    );
    expect((await emu.graph("me/drive/root:/valid-first.txt")).status).toBe(404);
    await admin.seed({ account: "personal", files: [{ path: "afile", content: "x" }] });
    await expectAdminError(
      emu,
      "POST",
      "seed",
      { account: "personal", files: [{ path: "afile/child.txt", content: "a" }] },
      409,
      /'afile' is a file/,
    );
  });

  it("PUT /_emulator/files/{account}/{path} streams raw bytes into a file", async () => {
    const body = generatedBytes(1000, 1000 + 700_000);
    const item = await admin.putFile("personal", "streamed/with space #1.bin", body);
    expect(item.size).toBe(700_000);
    expect(item.path).toBe("streamed/with space #1.bin");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("from a stream"));
        controller.close();
      },
    });
    await admin.putFile("personal", "streamed/s.txt", stream);
    expect((await bytesOf(emu, "streamed/with%20space%20%231.bin")).equals(body)).toBe(true);
    expect((await bytesOf(emu, "streamed/s.txt")).toString()).toBe("from a stream");
    await expectAdminError(emu, "PUT", "files/nobody/x.bin", "x", 404, /no test account/);
    await expectAdminError(emu, "PUT", "files/personal", "x", 400, /names no file/);
  });

  it("GET/PATCH /_emulator/settings reads and changes run-time settings, validating every field", async () => {
    const before = await admin.getSettings();
    expect(before).toMatchObject({ latencyMs: 0, bandwidth: 0, faultRate: 0, tokenLifetime: 3600 });
    const after = await admin.settings({
      latencyMs: 5,
      faultRetryAfter: 0.25,
      autoConsent: "work",
      tokenLifetime: 600,
    });
    expect(after).toMatchObject({
      latencyMs: 5,
      faultRetryAfter: 0.25,
      autoConsent: "work",
      tokenLifetime: 600,
    });
    expect(emu.state.options.tokenLifetime).toBe(600);
    await expectAdminError(emu, "PATCH", "settings", { faultRate: 2 }, 400, /'faultRate' must be <= 1/);
    await expectAdminError(
      emu,
      "PATCH",
      "settings",
      { bandwidth: "fast" },
      400,
      /'bandwidth' must be a number/,
    );
    await expectAdminError(emu, "PATCH", "settings", { autoConsent: "nobody" }, 400, /'autoConsent' must be/);
    // A refused patch changes nothing, not even its valid fields.
    await expectAdminError(
      emu,
      "PATCH",
      "settings",
      { latencyMs: 7, colour: "red" },
      400,
      /unknown field 'colour'/,
    );
    expect((await admin.getSettings()).latencyMs).toBe(5);
    await admin.settings({ latencyMs: 0, faultRetryAfter: 0.5, autoConsent: false, tokenLifetime: 3600 });
  });

  it("POST/GET/DELETE /_emulator/faults arms, lists and clears scripted faults", async () => {
    const armed = await admin.faults([
      { path: "/nowhere-1", count: 2, status: 503 },
      { path: "/nowhere-2", durationSeconds: 60, kind: "reset", afterBytes: 10 },
    ]);
    expect(armed.map((f) => f.kind)).toEqual(["status", "reset"]);
    expect(armed[0]?.remaining).toBe(2);
    expect(armed[1]?.until).toMatch(/^\d{4}-/);
    expect(await admin.listFaults()).toHaveLength(2);
    expect(await admin.clearFaults()).toBe(2);
    expect(await admin.listFaults()).toEqual([]);
    await expectAdminError(emu, "POST", "faults", { status: 200 }, 400, /'status' must be an integer >= 400/);
    await expectAdminError(emu, "POST", "faults", { kind: "explode" }, 400, /'kind' must be/);
    await expectAdminError(emu, "POST", "faults", { colour: 1 }, 400, /unknown fault field 'colour'/);
    await expectAdminError(emu, "POST", "faults", [{ count: 1 }, { count: 0 }], 400, /faults\[1\]/);
    expect(await admin.listFaults()).toEqual([]);
  });

  it("POST /_emulator/tokens mints a Graph token for an account without the sign-in flow", async () => {
    // An account with no consent yet, so the grant holds exactly the scopes asked for.
    const { accessToken, expiresIn } = await admin.token("personal2", ["Files.Read", "User.Read"]);
    expect(expiresIn).toBe(3600);
    const me = await emu.graph("me", { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await me.json()) as { displayName: string }).displayName).toBe("Alan Turing");
    // Files.Read only: writes are refused.
    const write = await emu.graph("me/drive/root:/nope.txt:/content", {
      method: "PUT",
      body: "x",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(write.status).toBe(403);
    await expectAdminError(emu, "POST", "tokens", { account: "nobody" }, 404, /no test account/);
    await expectAdminError(
      emu,
      "POST",
      "tokens",
      { account: "work", clientId: "x" },
      404,
      /no app registered/,
    );
    await expectAdminError(
      emu,
      "POST",
      "tokens",
      { account: "work", scopes: "Files.Read" },
      400,
      /array of strings/,
    );
  });

  it("POST /_emulator/accounts/{key}/revoke revokes the account's grants: its tokens get 401", async () => {
    const { accessToken } = await admin.token("personal2");
    const auth = { authorization: `Bearer ${accessToken}` };
    expect((await emu.graph("me", { headers: auth })).status).toBe(200);
    expect(await admin.revoke("personal2")).toBeGreaterThanOrEqual(1);
    const res = await emu.graph("me", { headers: auth });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("InvalidAuthenticationToken");
    await expect(admin.revoke("nobody")).rejects.toThrow(/no test account 'nobody'/);
  });

  it("POST /_emulator/tokens/expire expires every access token issued so far, not later ones", async () => {
    const { accessToken } = await admin.token("personal");
    await admin.expireTokens();
    const old = await emu.graph("me", { headers: { authorization: `Bearer ${accessToken}` } });
    expect(old.status).toBe(401);
    const fresh = await admin.token("personal");
    expect(
      (await emu.graph("me", { headers: { authorization: `Bearer ${fresh.accessToken}` } })).status,
    ).toBe(200);
  });

  it("POST /_emulator/clock advances the emulator clock: a token outlives its lifetime", async () => {
    const { accessToken, expiresIn } = await admin.token("personal");
    const { now } = await admin.advanceClock(expiresIn + 1);
    expect(Date.parse(now) - Date.now()).toBeGreaterThan(expiresIn * 1000);
    const res = await emu.graph("me", { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(401);
    await expectAdminError(emu, "POST", "clock", { advanceSeconds: -5 }, 400, /must be >= 0/);
    await expectAdminError(emu, "POST", "clock", {}, 400, /'advanceSeconds' is required/);
  });

  it("POST /_emulator/devicecode/approve approves a device-code sign-in, which the device's poll then redeems", async () => {
    const start = await fetch(`${emu.url}/common/oauth2/v2.0/devicecode`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: DEV_CLIENT_ID,
        scope: "Files.ReadWrite offline_access User.Read",
      }),
    });
    expect(start.status).toBe(200);
    const { device_code, user_code } = (await start.json()) as { device_code: string; user_code: string };
    await admin.approveDeviceCode(user_code, "personal");
    await expect(admin.approveDeviceCode(user_code, "personal")).rejects.toThrow(/already approved/);
    const poll = await fetch(`${emu.url}/common/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: DEV_CLIENT_ID,
        device_code,
      }),
    });
    expect(poll.status).toBe(200);
    expect(typeof ((await poll.json()) as { access_token: string }).access_token).toBe("string");
    await expect(admin.approveDeviceCode("NOPE-NOPE", "personal")).rejects.toThrow(/no device authorization/);
  });

  it("POST /_emulator/drives/{account}/delta/invalidate makes old delta tokens answer 410 resyncRequired", async () => {
    let page = (await (await emu.graph("me/drive/root/delta")).json()) as Record<string, string>;
    while (page["@odata.nextLink"]) {
      const next = await fetch(page["@odata.nextLink"], {
        headers: { authorization: `Bearer ${emu.token()}` },
      });
      page = (await next.json()) as Record<string, string>;
    }
    const deltaLink = page["@odata.deltaLink"] ?? "";
    expect(deltaLink).toContain("token=");
    await admin.invalidateDelta("personal");
    const stale = await fetch(deltaLink, { headers: { authorization: `Bearer ${emu.token()}` } });
    expect(stale.status).toBe(410);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe("resyncRequired");
    await expect(admin.invalidateDelta("nobody")).rejects.toThrow(EmulatorAdminError);
  });

  it("PATCH /_emulator/drives/{account} sets the quota: an upload past it gets 507 quotaLimitReached", async () => {
    const drive = await admin.setQuota("personal2", 1000);
    expect(drive.quotaTotal).toBe(1000);
    const res = await emu.graph("me/drive/root:/too-big.bin:/content", {
      method: "PUT",
      body: new Uint8Array(2000),
      account: "personal2",
    });
    expect(res.status).toBe(507);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("quotaLimitReached");
    await expectAdminError(emu, "PATCH", "drives/personal2", { quotaTotal: -1 }, 400, /must be >= 0/);
    await expectAdminError(emu, "PATCH", "drives/nobody", { quotaTotal: 1 }, 404, /no test account/);
    await admin.setQuota("personal2", 1024 ** 4);
  });

  it("GET /_emulator/counters reports requests by route and status, bytes, faults and memory; POST counters/reset zeroes them", async () => {
    await admin.resetCounters();
    await admin.seed({ account: "personal", files: [{ path: "count/me.bin", size: 12_345 }] });
    await bytesOf(emu, "count/me.bin");
    await emu.graph("me/drive/root:/count/missing.bin");
    const counters = await admin.counters();
    const find = (route: string, status: number) =>
      counters.requests.find((r) => r.route.includes(route) && r.status === status)?.count ?? 0;
    expect(find("/content", 302)).toBe(1);
    expect(find("/dl/", 200)).toBe(1);
    expect(find("/drive/root:/{path}:", 404)).toBe(1);
    expect(counters.bytesOut).toBeGreaterThanOrEqual(12_345);
    expect(counters.rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(counters.peakRss).toBeGreaterThanOrEqual(counters.rss * 0.9);
    await admin.resetCounters();
    const zero = await admin.counters();
    expect(zero.bytesOut).toBe(0);
    expect(zero.requests.filter((r) => !r.route.includes("/_emulator/"))).toEqual([]);
  });

  it("POST /_emulator/reset empties the drives and zeroes counters and faults; ?identity=true also drops grants", async () => {
    await admin.seed({ account: "personal", files: [{ path: "reset/me.txt", content: "x" }] });
    await admin.faults({ path: "/nowhere", count: 5 });
    const { accessToken } = await admin.token("personal");
    const auth = { authorization: `Bearer ${accessToken}` };
    await admin.reset();
    expect((await emu.graph("me/drive/root:/reset/me.txt", { headers: auth })).status).toBe(404);
    expect(await admin.listFaults()).toEqual([]);
    expect((await admin.counters()).bytesOut).toBe(0);
    await admin.reset({ identity: true });
    expect((await emu.graph("me", { headers: auth })).status).toBe(401);
  });

  it("answers unknown admin routes with 404 in the admin error format", async () => {
    await expectAdminError(emu, "GET", "nope", undefined, 404, /no admin route GET \/_emulator\/nope/);
  });
});

describe("EmulatorAdmin client", () => {
  it("throws EmulatorAdminError with the emulator's status, code and message", async () => {
    const emu = await startTestEmulator();
    try {
      const admin = new EmulatorAdmin(`${emu.url}/`);
      const err = await admin.seed({ account: "nobody" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmulatorAdminError);
      expect(err).toMatchObject({ status: 404, code: "accountNotFound" });
      expect((err as Error).message).toMatch(/no test account 'nobody'/);
    } finally {
      await emu.close();
    }
  });

  it("uses the fetch it is given, and only web-standard fetch", async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input, init) => {
      calls.push(`${init?.method} ${String(input)} ${String(init?.body ?? "")}`);
      return new Response(JSON.stringify({ now: "2030-01-01T00:00:00.000Z" }), { status: 200 });
    };
    const admin = new EmulatorAdmin("http://emulator.test:1234", fake);
    expect(await admin.advanceClock(90)).toEqual({ now: "2030-01-01T00:00:00.000Z" });
    expect(calls).toEqual(['POST http://emulator.test:1234/_emulator/clock {"advanceSeconds":90}']);
  });
});
