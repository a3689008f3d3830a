import * as client from "openid-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approveDeviceCode } from "../src/identity/deviceCode.ts";
import { CONTOSO_TENANT_ID } from "../src/index.ts";
import { DEV_CLIENT_ID } from "../src/options.ts";
import { FERRY_SCOPES, REDIRECT_URI } from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

/**
 * The emulator driven by panva's openid-client v6, the OAuth library Ferry's broker uses: if a
 * widely used, strict client accepts the emulator, the emulator speaks the protocol.
 */

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ deviceCodeInterval: 1 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.state.options.autoConsent = false;
});

/** Follows the authorize URL as a browser would until the emulator redirects back to the app. */
async function browse(url: URL): Promise<URL> {
  const res = await fetch(url, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

function commonConfiguration(): client.Configuration {
  const config = new client.Configuration(
    {
      issuer: `${emu.url}/{tenantid}/v2.0`,
      authorization_endpoint: `${emu.url}/common/oauth2/v2.0/authorize`,
      token_endpoint: `${emu.url}/common/oauth2/v2.0/token`,
      device_authorization_endpoint: `${emu.url}/common/oauth2/v2.0/devicecode`,
    },
    DEV_CLIENT_ID,
  );
  // The emulator is plain http on loopback.
  client.allowInsecureRequests(config);
  return config;
}

async function me(accessToken: string): Promise<{ displayName: string }> {
  const res = await emu.graph("me", { headers: { authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { displayName: string };
}

describe("openid-client v6 against the emulator", () => {
  it("completes the PKCE authorization-code flow (auto-consent) and then refreshes", async () => {
    emu.state.options.autoConsent = "personal";
    const config = commonConfiguration();
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: FERRY_SCOPES,
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: "S256",
      state,
    });

    const callback = await browse(authorizationUrl);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier,
      expectedState: state,
    });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.scope).toBe("Files.ReadWrite User.Read");
    expect(tokens.expiresIn()).toBeGreaterThan(3500);
    expect((await me(tokens.access_token)).displayName).toBe("Ada Lovelace");

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? "");
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await me(refreshed.access_token)).displayName).toBe("Ada Lovelace");
  });

  it("surfaces the emulator's errors as ResponseBodyError with Microsoft's fields", async () => {
    emu.state.options.autoConsent = "personal";
    const config = commonConfiguration();
    const err = await client.refreshTokenGrant(config, "not-a-refresh-token").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    const body = err as client.ResponseBodyError;
    expect(body.error).toBe("invalid_grant");
    expect(body.cause.error_codes).toEqual([9002313]);
  });

  it("completes the device authorization grant, polling until the user approves", async () => {
    const config = commonConfiguration();
    const started = await client.initiateDeviceAuthorization(config, { scope: FERRY_SCOPES });
    expect(started.verification_uri).toBe(`${emu.url}/devicelogin`);
    expect(started.interval).toBe(1);
    const polling = client.pollDeviceAuthorizationGrant(config, started);
    // The first poll comes after one interval; approve while the client waits.
    approveDeviceCode(emu.state, started.user_code, "work", true);
    const tokens = await polling;
    expect((await me(tokens.access_token)).displayName).toBe("Grace Hopper");
  });

  it("discovers a tenant id's metadata and validates the signed id_token it returns", async () => {
    emu.state.options.autoConsent = "work";
    const config = await client.discovery(
      new URL(`${emu.url}/${CONTOSO_TENANT_ID}/v2.0`),
      DEV_CLIENT_ID,
      undefined,
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: `openid profile email ${FERRY_SCOPES}`,
      code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: "S256",
      nonce,
    });
    const tokens = await client.authorizationCodeGrant(config, await browse(url), {
      pkceCodeVerifier,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    expect(claims?.iss).toBe(`${emu.url}/${CONTOSO_TENANT_ID}/v2.0`);
    expect(claims?.aud).toBe(DEV_CLIENT_ID);
    expect(claims?.preferred_username).toBe("grace.hopper@contoso.example");
    expect(claims?.email).toBe("grace.hopper@contoso.example");
  });

  it("cannot validate /common's `{tenantid}` issuer by discovery, as with Microsoft outside its own host", async () => {
    // openid-client special-cases Entra ID only on login.microsoftonline.com; elsewhere the
    // multi-tenant issuer template fails its issuer check. Clients build the Configuration by hand
    // (as above) or discover from the full `.well-known` URL, which skips that comparison.
    await expect(
      client.discovery(new URL(`${emu.url}/common/v2.0`), DEV_CLIENT_ID, undefined, undefined, {
        execute: [client.allowInsecureRequests],
      }),
    ).rejects.toThrow(/issuer/);
    const viaWellKnown = await client.discovery(
      new URL(`${emu.url}/common/v2.0/.well-known/openid-configuration`),
      DEV_CLIENT_ID,
      undefined,
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    expect(viaWellKnown.serverMetadata().token_endpoint).toBe(`${emu.url}/common/oauth2/v2.0/token`);
  });
});
