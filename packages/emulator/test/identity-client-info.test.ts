import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONSUMERS_TENANT_ID, CONTOSO_TENANT_ID } from "../src/accounts.ts";
import { approveDeviceCode, DEVICE_CODE_GRANT_SHORT } from "../src/identity/deviceCode.ts";
import { DEV_CLIENT_ID } from "../src/options.ts";
import {
  authorizeUrl,
  decodeJwt,
  get,
  pkcePair,
  postForm,
  REDIRECT_URI,
  redirectParams,
  token,
} from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

/**
 * `client_info`, the account identity MSAL builds its `homeAccountId` from, and the id_token
 * claims it must agree with. The expected values are what Microsoft returns for each kind of
 * account: a work account is `{oid}.{tenant id}`; a personal account lives in the consumers
 * directory (9188040d-…) under `00000000-0000-0000-` followed by its 16-hex-digit CID.
 */
const EXPECTED = {
  personal: {
    uid: "00000000-0000-0000-4c5d-9e8f1a2b3c6d",
    utid: CONSUMERS_TENANT_ID,
    username: "ada.lovelace@outlook.example",
  },
  work: {
    uid: "8b1d2f3e-4a5c-4e6f-9a0b-1c2d3e4f5a6b",
    utid: CONTOSO_TENANT_ID,
    username: "grace.hopper@contoso.example",
  },
  personal2: {
    uid: "00000000-0000-0000-9e8d-7c6b5a4f3e2d",
    utid: CONSUMERS_TENANT_ID,
    username: "alan.turing@outlook.example",
  },
} as const;

const MSAL_SCOPES = "User.Read Files.ReadWrite openid profile offline_access";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ deviceCodeInterval: 1 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.state.options.autoConsent = false;
});

function decodeClientInfo(value: unknown): Record<string, unknown> {
  expect(value).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, unpadded
  return JSON.parse(Buffer.from(String(value), "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Auto-consent sign-in as `account`, then the code redeemed with `extra` on the token request. */
async function signIn(
  account: keyof typeof EXPECTED,
  authorizeExtra: Record<string, string> = {},
  tokenExtra: Record<string, string> = {},
  scope = MSAL_SCOPES,
) {
  emu.state.options.autoConsent = account;
  const { verifier, challenge } = pkcePair();
  const res = await get(
    authorizeUrl(emu, "common", {
      scope,
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...authorizeExtra,
    }),
  );
  const redirect = redirectParams(res);
  const tokens = await token(emu, "common", {
    grant_type: "authorization_code",
    code: redirect.get("code") ?? "",
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    scope,
    ...tokenExtra,
  });
  expect(tokens.status).toBe(200);
  return { redirect, tokens: tokens.body };
}

describe("client_info and the id_token claims MSAL names accounts by", () => {
  for (const key of ["personal", "work", "personal2"] as const) {
    it(`answers client_info=1 with uid and utid for '${key}', matching the id_token's oid and tid`, async () => {
      const { tokens } = await signIn(key, {}, { client_info: "1" });
      const info = decodeClientInfo(tokens.client_info);
      expect(info).toEqual({ uid: EXPECTED[key].uid, utid: EXPECTED[key].utid });
      const claims = decodeJwt(String(tokens.id_token));
      expect(claims.oid).toBe(EXPECTED[key].uid);
      expect(claims.tid).toBe(EXPECTED[key].utid);
      expect(claims.preferred_username).toBe(EXPECTED[key].username);
      expect(claims.iss).toBe(`${emu.url}/${EXPECTED[key].utid}/v2.0`);
    });
  }

  it("sends no client_info unless the token request asks for it", async () => {
    const { tokens } = await signIn("personal");
    expect(tokens).not.toHaveProperty("client_info");
    const { tokens: zero } = await signIn("personal", {}, { client_info: "0" });
    expect(zero).not.toHaveProperty("client_info");
  });

  it("puts client_info beside the code on the redirect when /authorize asks for it", async () => {
    const { redirect } = await signIn("work", { client_info: "1" });
    expect(decodeClientInfo(redirect.get("client_info"))).toEqual({
      uid: EXPECTED.work.uid,
      utid: EXPECTED.work.utid,
    });
    const { redirect: plain } = await signIn("work");
    expect(plain.has("client_info")).toBe(false);
  });

  it("returns client_info on refresh and on the device code grant too", async () => {
    const { tokens } = await signIn("personal2");
    const refreshed = await token(emu, "common", {
      grant_type: "refresh_token",
      refresh_token: String(tokens.refresh_token),
      client_info: "1",
    });
    expect(decodeClientInfo(refreshed.body.client_info).uid).toBe(EXPECTED.personal2.uid);

    const started = await postForm(`${emu.url}/common/oauth2/v2.0/devicecode`, {
      client_id: DEV_CLIENT_ID,
      scope: MSAL_SCOPES,
    });
    const dc = (await started.json()) as { device_code: string; user_code: string };
    approveDeviceCode(emu.state, dc.user_code, "work", true);
    const polled = await token(emu, "common", {
      grant_type: DEVICE_CODE_GRANT_SHORT,
      device_code: dc.device_code,
      client_info: "1",
    });
    expect(polled.status).toBe(200);
    expect(decodeClientInfo(polled.body.client_info).utid).toBe(CONTOSO_TENANT_ID);
  });

  it("gives oid, name and preferred_username only with the profile scope, as Microsoft documents", async () => {
    const { tokens } = await signIn("work", {}, {}, "openid offline_access User.Read");
    const claims = decodeJwt(String(tokens.id_token));
    expect(claims.tid).toBe(CONTOSO_TENANT_ID);
    expect(claims.sub).toEqual(expect.any(String));
    expect(claims).not.toHaveProperty("oid");
    expect(claims).not.toHaveProperty("name");
    expect(claims).not.toHaveProperty("preferred_username");
  });
});
