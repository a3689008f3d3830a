import {
  type AccountInfo,
  type AuthenticationResult,
  CryptoProvider,
  InteractionRequiredAuthError,
  LogLevel,
  PublicClientApplication,
  ServerError,
} from "@azure/msal-node";
import { Agent, setGlobalDispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNTS, CONSUMERS_TENANT_ID, CONTOSO_TENANT_ID } from "../src/accounts.ts";
import { DEVICE_CODE_GRANT } from "../src/identity/deviceCode.ts";
import { type AppRegistration, DEV_CLIENT_ID, type RunningEmulator, startEmulator } from "../src/index.ts";
import { namesOnLoopback } from "./loopbackNames.ts";
import { deviceSignInAt, signInAt } from "./person.ts";

/**
 * Microsoft's own auth library judging the emulator's identity platform, as the Graph SDK judges
 * its Graph (sdk.test.ts). MSAL only talks to https authorities, so the emulator serves TLS and
 * MSAL's fetch trusts its certificate. Before it trusts an authority MSAL runs instance discovery
 * against login.microsoftonline.com; an app that supplies that answer itself passes it as
 * `cloudDiscoveryMetadata`, fetched here from the emulator's own instance discovery endpoint, as
 * Microsoft documents for MSAL4J and MSAL.NET. Nothing in MSAL is loosened: authority, issuer and
 * endpoints are validated as they are against Microsoft.
 */

/** A desktop app as registered in Entra: public client, `http://localhost` redirect (any port). */
const DESKTOP_APP: AppRegistration = {
  clientId: "a3c1e2f4-5b6d-4e8f-9a0b-1c2d3e4f5a60",
  redirectUris: ["http://localhost"],
  displayName: "MSAL desktop sample",
};

const GRAPH_SCOPES = ["User.Read", "Files.ReadWrite"];

/**
 * What MSAL reports for each test account when it signs in against Microsoft: `homeAccountId` is
 * `uid.utid` from client_info, `tenantId` the home directory (the consumers tenant for personal
 * accounts), `username` the id_token's preferred_username, `localAccountId` the object id.
 */
const AS_AGAINST_MICROSOFT = {
  personal: {
    homeAccountId: `00000000-0000-0000-4c5d-9e8f1a2b3c6d.${CONSUMERS_TENANT_ID}`,
    localAccountId: "00000000-0000-0000-4c5d-9e8f1a2b3c6d",
    tenantId: CONSUMERS_TENANT_ID,
    username: "ada.lovelace@outlook.example",
    name: "Ada Lovelace",
  },
  work: {
    homeAccountId: `8b1d2f3e-4a5c-4e6f-9a0b-1c2d3e4f5a6b.${CONTOSO_TENANT_ID}`,
    localAccountId: "8b1d2f3e-4a5c-4e6f-9a0b-1c2d3e4f5a6b",
    tenantId: CONTOSO_TENANT_ID,
    username: "grace.hopper@contoso.example",
    name: "Grace Hopper",
  },
  personal2: {
    homeAccountId: `00000000-0000-0000-9e8d-7c6b5a4f3e2d.${CONSUMERS_TENANT_ID}`,
    localAccountId: "00000000-0000-0000-9e8d-7c6b5a4f3e2d",
    tenantId: CONSUMERS_TENANT_ID,
    username: "alan.turing@outlook.example",
    name: "Alan Turing",
  },
} as const;

type AccountKey = keyof typeof AS_AGAINST_MICROSOFT;

let emu: RunningEmulator;
let cloudDiscoveryMetadata: string;

beforeAll(async () => {
  emu = await startEmulator({ tls: true, deviceCodeInterval: 1, apps: [DESKTOP_APP] });
  // MSAL's loopback redirect is http://localhost:PORT; keep it on IPv4 loopback.
  setGlobalDispatcher(new Agent({ connect: { ca: emu.ca, lookup: namesOnLoopback(["localhost"]) } }));
  const authorize = encodeURIComponent(`${emu.url}/common/oauth2/v2.0/authorize`);
  const res = await fetch(
    `${emu.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`,
  );
  expect(res.status).toBe(200);
  cloudDiscoveryMetadata = await res.text();
});
afterAll(() => emu.close());
beforeEach(() => {
  // Every test starts from users who never consented, so Microsoft would show its consent page.
  for (const a of ACCOUNTS) emu.state.identity.revokeAccount(a.id, emu.state.clock.now());
});

function msal(tenant = "common", clientId = DESKTOP_APP.clientId): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId, authority: `${emu.url}/${tenant}`, cloudDiscoveryMetadata },
    system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false } },
  });
}

/** acquireTokenInteractive, with a person answering the pages MSAL opens. */
async function interactive(
  pca: PublicClientApplication,
  account: AccountKey,
  decision: "accept" | "decline" = "accept",
): Promise<{ result: AuthenticationResult; authorizeUrl: string }> {
  let authorizeUrl = "";
  const result = await pca.acquireTokenInteractive({
    scopes: GRAPH_SCOPES,
    openBrowser: async (url) => {
      authorizeUrl = url;
      const outcome = await signInAt(url, account, decision);
      // response_mode=form_post: the page posts the answer to MSAL's loopback server.
      if (!("posted" in outcome)) throw new Error(`expected a form_post answer, got ${outcome.redirectTo}`);
    },
    successTemplate: "signed in",
    errorTemplate: "sign-in failed",
  });
  return { result, authorizeUrl };
}

async function displayNameWith(accessToken: string): Promise<string> {
  const res = await fetch(`${emu.graphUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { displayName: string }).displayName;
}

function expectAccount(account: AccountInfo | null, key: AccountKey): void {
  expect(account).toMatchObject({
    ...AS_AGAINST_MICROSOFT[key],
    environment: new URL(emu.url).host,
  });
}

describe("Microsoft's @azure/msal-node against the emulator", () => {
  it("authorization code with PKCE (acquireTokenInteractive, loopback form_post): the personal account as against Microsoft", async () => {
    const pca = msal();
    const { result, authorizeUrl } = await interactive(pca, "personal");
    const asked = new URL(authorizeUrl).searchParams;
    expect(asked.get("code_challenge_method")).toBe("S256");
    expect(asked.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.get("response_mode")).toBe("form_post");
    expect(asked.get("client_info")).toBe("1");

    expectAccount(result.account, "personal");
    expect(result.tenantId).toBe(CONSUMERS_TENANT_ID);
    expect(result.scopes).toEqual(expect.arrayContaining(GRAPH_SCOPES));
    expect(result.idTokenClaims).toMatchObject({ oid: AS_AGAINST_MICROSOFT.personal.localAccountId });
    expect(await displayNameWith(result.accessToken)).toBe("Ada Lovelace");
  });

  it("authorization code with PKCE by hand (getAuthCodeUrl, acquireTokenByCode): the work account through /organizations", async () => {
    const pca = msal("organizations", DEV_CLIENT_ID);
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const redirectUri = "http://127.0.0.1:7878/integrations/onedrive/callback";
    const url = await pca.getAuthCodeUrl({
      scopes: GRAPH_SCOPES,
      redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state: "st-work",
    });
    const outcome = await signInAt(url, "work");
    if (!("redirectTo" in outcome)) throw new Error("expected a redirect back to the app");
    const back = new URL(outcome.redirectTo);
    expect(back.origin + back.pathname).toBe(redirectUri);
    const result = await pca.acquireTokenByCode(
      {
        code: back.searchParams.get("code") ?? "",
        scopes: GRAPH_SCOPES,
        redirectUri,
        codeVerifier: verifier,
        state: "st-work",
      },
      {
        code: back.searchParams.get("code") ?? "",
        state: back.searchParams.get("state") ?? "",
        client_info: back.searchParams.get("client_info") ?? "",
      },
    );
    expectAccount(result.account, "work");
    expect(await displayNameWith(result.accessToken)).toBe("Grace Hopper");
  });

  it("device code: the second personal account signs in on the verification page while MSAL polls", async () => {
    const pca = msal("consumers");
    const before = emu.state.counters.grants[DEVICE_CODE_GRANT] ?? 0;
    let person: Promise<unknown> = Promise.resolve();
    let shown = { verificationUri: "", message: "" };
    const result = await pca.acquireTokenByDeviceCode({
      scopes: GRAPH_SCOPES,
      deviceCodeCallback: (response) => {
        shown = response;
        person = deviceSignInAt(response.verificationUri, response.userCode, "personal2");
      },
    });
    await person;
    expect(shown.verificationUri).toBe(`${emu.url}/devicelogin`);
    expect(shown.message).toContain(shown.verificationUri);
    expectAccount(result?.account ?? null, "personal2");
    expect(await displayNameWith(result?.accessToken ?? "")).toBe("Alan Turing");
    // MSAL polls with grant_type=device_code; the emulator counts it as the one device code grant.
    expect(emu.state.counters.grants[DEVICE_CODE_GRANT]).toBe(before + 1);
  });

  it("acquireTokenSilent: from the cache, then with forceRefresh through the refresh token, same account", async () => {
    const pca = msal();
    const { result: first } = await interactive(pca, "work");
    const account = first.account as AccountInfo;

    const cached = await pca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES });
    expect(cached.fromCache).toBe(true);
    expect(cached.accessToken).toBe(first.accessToken);

    const refreshesBefore = emu.state.counters.grants.refresh_token ?? 0;
    const refreshed = await pca.acquireTokenSilent({ account, scopes: GRAPH_SCOPES, forceRefresh: true });
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    expect(emu.state.counters.grants.refresh_token).toBe(refreshesBefore + 1);
    expectAccount(refreshed.account, "work");
    expect(await displayNameWith(refreshed.accessToken)).toBe("Grace Hopper");
  });

  it("keeps the personal, work and second personal accounts apart in one cache, each under its Microsoft account id", async () => {
    const pca = msal();
    for (const key of ["personal", "work", "personal2"] as const) await interactive(pca, key);
    const accounts = await pca.getAllAccounts();
    expect(accounts.map((a) => a.homeAccountId).sort()).toEqual(
      Object.values(AS_AGAINST_MICROSOFT)
        .map((a) => a.homeAccountId)
        .sort(),
    );
    for (const key of ["personal", "work", "personal2"] as const) {
      const account = await pca.getTokenCache().getAccountByHomeId(AS_AGAINST_MICROSOFT[key].homeAccountId);
      expectAccount(account, key);
      const silent = await pca.acquireTokenSilent({
        account: account as AccountInfo,
        scopes: GRAPH_SCOPES,
        forceRefresh: true,
      });
      expect(await displayNameWith(silent.accessToken)).toBe(AS_AGAINST_MICROSOFT[key].name);
    }
  });

  it("a revoked grant: the silent refresh fails with invalid_grant AADSTS50173, as MSAL reports it against Microsoft", async () => {
    const pca = msal();
    const { result } = await interactive(pca, "personal");
    await emu.admin.revoke("personal");
    const err = await pca
      .acquireTokenSilent({
        account: result.account as AccountInfo,
        scopes: GRAPH_SCOPES,
        forceRefresh: true,
      })
      .catch((e: unknown) => e);
    // Microsoft sends no suberror for AADSTS50173, so MSAL raises a ServerError, not its
    // InteractionRequiredAuthError: an app must treat invalid_grant as "sign in again".
    expect(err).toBeInstanceOf(ServerError);
    expect(err).not.toBeInstanceOf(InteractionRequiredAuthError);
    expect(err).toMatchObject({ errorCode: "invalid_grant" });
    expect(String((err as ServerError).errorNo)).toBe("50173");
    expect((err as ServerError).errorMessage).toContain("AADSTS50173");
  });

  it("a permission never consented to: the silent request is InteractionRequiredAuthError (invalid_grant, consent_required)", async () => {
    const pca = msal();
    const { result } = await interactive(pca, "work");
    const err = await pca
      .acquireTokenSilent({ account: result.account as AccountInfo, scopes: ["Files.ReadWrite.All"] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InteractionRequiredAuthError);
    expect(err).toMatchObject({ errorCode: "invalid_grant", subError: "consent_required" });
    expect(String((err as InteractionRequiredAuthError).errorNo)).toBe("65001");
  });

  it("declined consent: acquireTokenInteractive rejects with access_denied (AADSTS65004) and caches no account", async () => {
    const pca = msal();
    const err = await interactive(pca, "personal2", "decline").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ errorCode: "access_denied" });
    expect((err as ServerError).errorMessage).toContain("AADSTS65004");
    expect(await pca.getAllAccounts()).toEqual([]);
  });
});
