import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approveDeviceCode, DEVICE_CODE_GRANT, DEVICE_CODE_GRANT_SHORT } from "../src/identity/deviceCode.ts";
import { DEV_CLIENT_ID } from "../src/options.ts";
import {
  expectAadError,
  FERRY_SCOPES,
  formAction,
  get,
  hiddenCtx,
  postForm,
  token,
} from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

interface DeviceCodeResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
  message: string;
}

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ deviceCodeInterval: 5 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.state.clock.reset();
  for (const key of ["personal", "work", "personal2"]) {
    emu.state.identity.revokeAccount(emu.account(key).id, emu.state.clock.now());
  }
});

async function deviceCode(tenant = "common", scope = FERRY_SCOPES): Promise<DeviceCodeResponse> {
  const res = await postForm(`${emu.url}/${tenant}/oauth2/v2.0/devicecode`, {
    client_id: DEV_CLIENT_ID,
    scope,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as DeviceCodeResponse;
}

function poll(dc: DeviceCodeResponse, tenant = "common") {
  return token(emu, tenant, { grant_type: DEVICE_CODE_GRANT, device_code: dc.device_code });
}

/** Lets the emulator clock pass one polling interval, as a well-behaved client waits. */
function waitInterval(dc: DeviceCodeResponse) {
  emu.state.clock.advance(dc.interval);
}

describe("device authorization grant (RFC 8628)", () => {
  it("answers /devicecode with Microsoft's fields, 15 minutes and the configured interval", async () => {
    const dc = await deviceCode();
    expect(dc.verification_uri).toBe(`${emu.url}/devicelogin`);
    expect(dc.expires_in).toBe(900);
    expect(dc.interval).toBe(5);
    expect(dc.user_code).toMatch(/^[A-Z0-9]{9}$/);
    expect(dc.device_code.length).toBeGreaterThan(40);
    expect(dc.message).toBe(
      `To sign in, use a web browser to open the page ${emu.url}/devicelogin and enter the code ${dc.user_code} to authenticate.`,
    );
  });

  it("is authorization_pending (AADSTS70016) until approved, then returns tokens once", async () => {
    const dc = await deviceCode();
    expectAadError(await poll(dc), 400, "authorization_pending", 70016);
    approveDeviceCode(emu.state, dc.user_code, "personal", true);
    waitInterval(dc);
    const before = emu.state.counters.grants[DEVICE_CODE_GRANT] ?? 0;
    const ok = await poll(dc);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "Bearer", scope: "Files.ReadWrite User.Read" });
    expect(ok.body.refresh_token).toEqual(expect.any(String));
    expect(emu.state.counters.grants[DEVICE_CODE_GRANT]).toBe(before + 1);
    const me = await emu.graph("me", {
      headers: { authorization: `Bearer ${String(ok.body.access_token)}` },
    });
    expect(((await me.json()) as { displayName: string }).displayName).toBe("Ada Lovelace");
    // A device code yields one set of tokens.
    expectAadError(await poll(dc), 400, "bad_verification_code", 70018);
  });

  it("accepts grant_type=device_code, the short form MSAL sends, and counts it as the same grant", async () => {
    const dc = await deviceCode();
    const pending = await token(emu, "common", { grant_type: "device_code", device_code: dc.device_code });
    expectAadError(pending, 400, "authorization_pending", 70016);
    approveDeviceCode(emu.state, dc.user_code, "work", true);
    waitInterval(dc);
    const before = emu.state.counters.grants[DEVICE_CODE_GRANT] ?? 0;
    const ok = await token(emu, "common", {
      grant_type: DEVICE_CODE_GRANT_SHORT,
      device_code: dc.device_code,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toEqual(expect.any(String));
    expect(emu.state.counters.grants[DEVICE_CODE_GRANT]).toBe(before + 1);
    expect(emu.state.counters.grants[DEVICE_CODE_GRANT_SHORT]).toBeUndefined();
    // Only those two names: another spelling is still an unknown grant type.
    expectAadError(
      await token(emu, "common", { grant_type: "devicecode", device_code: dc.device_code }),
      400,
      "unsupported_grant_type",
      70003,
    );
  });

  it("tells a client polling faster than the interval to slow_down", async () => {
    const dc = await deviceCode();
    expectAadError(await poll(dc), 400, "authorization_pending", 70016);
    expect((await poll(dc)).body.error).toBe("slow_down");
    waitInterval(dc);
    expect((await poll(dc)).body.error).toBe("authorization_pending");
  });

  it("reports a declined request as authorization_declined", async () => {
    const dc = await deviceCode();
    approveDeviceCode(emu.state, dc.user_code, "personal", false);
    expectAadError(await poll(dc), 400, "authorization_declined", 65004);
  });

  it("reports expired_token (AADSTS70019) after 15 minutes", async () => {
    const dc = await deviceCode();
    emu.state.clock.advance(901);
    expectAadError(await poll(dc), 400, "expired_token", 70019);
    expect(() => approveDeviceCode(emu.state, dc.user_code, "personal", true)).toThrow(/expired/);
  });

  it("reports bad_verification_code for a device code it never issued", async () => {
    const res = await token(emu, "common", { grant_type: DEVICE_CODE_GRANT, device_code: "nope" });
    expectAadError(res, 400, "bad_verification_code", 70018);
  });

  it("approveDeviceCode refuses unknown codes and accounts the tenant does not allow", async () => {
    expect(() => approveDeviceCode(emu.state, "ZZZZZZZZZ", "personal", true)).toThrow(
      /not a known device code/,
    );
    const dc = await deviceCode("organizations");
    expect(() => approveDeviceCode(emu.state, dc.user_code, "personal", true)).toThrow(/cannot sign in/);
    approveDeviceCode(emu.state, dc.user_code.toLowerCase(), "work", true);
    expect(() => approveDeviceCode(emu.state, dc.user_code, "work", true)).toThrow(/already approved/);
    waitInterval(dc);
    expect((await poll(dc, "organizations")).status).toBe(200);
  });

  it("validates /devicecode input: unknown client (AADSTS700016) and unknown scope (AADSTS70011)", async () => {
    const bad = await postForm(`${emu.url}/common/oauth2/v2.0/devicecode`, {
      client_id: "99999999-9999-9999-9999-999999999999",
      scope: FERRY_SCOPES,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error_codes: number[] }).error_codes).toEqual([700016]);
    const scope = await postForm(`${emu.url}/common/oauth2/v2.0/devicecode`, {
      client_id: DEV_CLIENT_ID,
      scope: "Sites.FullControl.All",
    });
    expect(((await scope.json()) as { error: string }).error).toBe("invalid_scope");
  });
});

describe("the /devicelogin page", () => {
  it("takes the code, an account and consent, after which the device's poll gets tokens", async () => {
    const dc = await deviceCode("consumers");
    const entry = await get(dc.verification_uri);
    expect(entry.status).toBe(200);
    const entryHtml = await entry.text();
    expect(entryHtml).toMatch(/<label for="otc">Code<\/label><input type="text" id="otc" name="otc"/);

    const wrong = await postForm(`${emu.url}${formAction(entryHtml)}`, { otc: "WRONGCODE" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That code didn&#39;t work");

    // People type codes in lower case, with spaces.
    const typed = `${dc.user_code.slice(0, 4).toLowerCase()} ${dc.user_code.slice(4)}`;
    const signIn = await postForm(`${emu.url}${formAction(entryHtml)}`, { otc: typed });
    expect(signIn.status).toBe(200);
    const signInHtml = await signIn.text();
    expect(signInHtml).toContain("Ada Lovelace");
    expect(signInHtml).not.toContain("Grace Hopper");

    const consent = await postForm(`${emu.url}${formAction(signInHtml)}`, {
      ctx: hiddenCtx(signInHtml),
      account: "personal",
    });
    const consentHtml = await consent.text();
    expect(consentHtml).toContain("Have full access to your files");
    const done = await postForm(`${emu.url}${formAction(consentHtml)}`, {
      ctx: hiddenCtx(consentHtml),
      decision: "accept",
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("You may now close this window");

    waitInterval(dc);
    expect((await poll(dc, "consumers")).status).toBe(200);
    // The page cannot be replayed for a decided code.
    const replay = await postForm(`${emu.url}/devicelogin`, { otc: dc.user_code });
    expect(replay.status).toBe(400);
  });

  it("Decline on the page makes the device's poll authorization_declined", async () => {
    const dc = await deviceCode();
    const signInHtml = await (await postForm(`${emu.url}/devicelogin`, { otc: dc.user_code })).text();
    const consentHtml = await (
      await postForm(`${emu.url}/devicelogin`, { ctx: hiddenCtx(signInHtml), account: "work" })
    ).text();
    const done = await postForm(`${emu.url}/devicelogin`, {
      ctx: hiddenCtx(consentHtml),
      decision: "decline",
    });
    expect(done.status).toBe(200);
    expect((await poll(dc)).body.error).toBe("authorization_declined");
  });
});
