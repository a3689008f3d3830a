import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACCOUNTS, CONSUMERS_TENANT_ID, CONTOSO_TENANT_ID } from "../src/accounts.ts";
import { DEV_CLIENT_ID } from "../src/options.ts";
import {
  authorizeUrl,
  codeFlow,
  decodeJwt,
  expectAadError,
  FERRY_SCOPES,
  formAction,
  get,
  hiddenCtx,
  pkcePair,
  postForm,
  REDIRECT_URI,
  redirectParams,
  signInThroughPages,
  token,
} from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

const CONFIDENTIAL = {
  clientId: "0b7d3c52-1e4f-4a8b-9c6d-2e5f7a9b1c3d",
  clientSecret: "s3cr3t~value",
  redirectUris: ["https://app.example/callback"],
  displayName: 'Evil <b>"&" Co</b>',
};

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ apps: [CONFIDENTIAL] });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.state.options.autoConsent = false;
  // Consent is remembered per account and app; start each test from a user who never consented.
  for (const a of ACCOUNTS) emu.state.identity.revokeAccount(a.id, emu.state.clock.now());
});

async function meWith(accessToken: unknown): Promise<Response> {
  return emu.graph("me", { headers: { authorization: `Bearer ${String(accessToken)}` } });
}

describe("authorization code flow through the sign-in and consent pages", () => {
  it("signs a personal account in with PKCE S256 and redeems the code for Microsoft's token response", async () => {
    const { verifier, challenge } = pkcePair();
    const url = authorizeUrl(emu, "common", { code_challenge: challenge, code_challenge_method: "S256" });

    const signIn = await get(url);
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await signIn.text();
    // /common lists every test account with its kind.
    for (const a of ACCOUNTS) expect(html).toContain(a.displayName);
    expect(html).toContain("Personal account");
    expect(html).toContain("Work or school account");
    expect(html).toMatch(/<button[^>]*name="account" value="personal"[^>]*>Ada Lovelace/);

    const consent = await postForm(`${emu.url}${formAction(html)}`, {
      ctx: hiddenCtx(html),
      account: "personal",
    });
    expect(consent.status).toBe(200);
    const consentHtml = await consent.text();
    expect(consentHtml).toContain("Ferry (local development)");
    expect(consentHtml).toContain("Have full access to your files");
    expect(consentHtml).toContain("Maintain access to data you have given it access to");
    expect(consentHtml).toMatch(/<button[^>]*value="accept">Accept<\/button>/);
    expect(consentHtml).toMatch(/<button[^>]*value="decline">Decline<\/button>/);

    const back = await postForm(`${emu.url}${formAction(consentHtml)}`, {
      ctx: hiddenCtx(consentHtml),
      decision: "accept",
    });
    const params = redirectParams(back);
    expect(params.get("state")).toBe("st-123");
    const code = params.get("code") ?? "";
    expect(code.length).toBeGreaterThan(40);

    const res = await token(emu, "common", {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    expect(res.headers.get("pragma")).toBe("no-cache");
    expect(res.body).toMatchObject({
      token_type: "Bearer",
      scope: "Files.ReadWrite User.Read",
      expires_in: 3600,
    });
    expect(res.body.ext_expires_in).toBe(3600);
    expect(typeof res.body.access_token).toBe("string");
    expect(typeof res.body.refresh_token).toBe("string");
    expect(res.body.id_token).toBeUndefined();
    expect(emu.state.counters.grants.authorization_code).toBeGreaterThanOrEqual(1);

    const me = await meWith(res.body.access_token);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { displayName: string }).displayName).toBe("Ada Lovelace");
  });

  it("signs a work account in through /organizations, whose page lists work or school accounts only", async () => {
    const url = authorizeUrl(emu, "organizations");
    const page = await (await get(url)).text();
    expect(page).toContain("Grace Hopper");
    expect(page).not.toContain("Ada Lovelace");
    expect(page).not.toContain("Alan Turing");

    const code = redirectParams(await signInThroughPages(emu, url, "work")).get("code") ?? "";
    const res = await token(emu, "organizations", {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
    });
    expect(res.status).toBe(200);
    const me = await meWith(res.body.access_token);
    expect(((await me.json()) as { userPrincipalName: string }).userPrincipalName).toBe(
      "grace.hopper@contoso.example",
    );
  });

  it("/consumers lists personal accounts only and refuses a work account posted anyway (AADSTS500208)", async () => {
    const url = authorizeUrl(emu, "consumers");
    const html = await (await get(url)).text();
    expect(html).toContain("Ada Lovelace");
    expect(html).toContain("Alan Turing");
    expect(html).not.toContain("Grace Hopper");
    const res = await postForm(`${emu.url}${formAction(html)}`, { ctx: hiddenCtx(html), account: "work" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("AADSTS500208");
  });

  it("a tenant id admits only that directory's accounts (AADSTS50020 for others)", async () => {
    const html = await (await get(authorizeUrl(emu, CONTOSO_TENANT_ID))).text();
    expect(html).toContain("Grace Hopper");
    expect(html).not.toContain("Ada Lovelace");
    const res = await postForm(`${emu.url}${formAction(html)}`, {
      ctx: hiddenCtx(html),
      account: "personal",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AADSTS50020");
  });

  it("Decline sends the browser back with error=access_denied and AADSTS65004, state echoed", async () => {
    const res = await signInThroughPages(emu, authorizeUrl(emu, "common"), "personal", "decline");
    const params = redirectParams(res);
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("error_description")).toMatch(
      /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: /,
    );
    expect(params.get("state")).toBe("st-123");
    expect(params.get("code")).toBeNull();
  });

  it("skips the consent page once the account has consented, and shows it again for prompt=consent", async () => {
    await signInThroughPages(emu, authorizeUrl(emu, "common"), "personal");
    const again = await get(authorizeUrl(emu, "common"));
    const html = await again.text();
    const picked = await postForm(`${emu.url}${formAction(html)}`, {
      ctx: hiddenCtx(html),
      account: "personal",
    });
    expect(redirectParams(picked).get("code")).toBeTruthy();

    const forced = await (await get(authorizeUrl(emu, "common", { prompt: "consent" }))).text();
    const page = await postForm(`${emu.url}${formAction(forced)}`, {
      ctx: hiddenCtx(forced),
      account: "personal",
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Permissions requested");
  });

  it("login_hint puts the hinted account first and focuses it", async () => {
    const html = await (
      await get(authorizeUrl(emu, "common", { login_hint: "alan.turing@outlook.example" }))
    ).text();
    const first = /<button[^>]*name="account" value="([^"]+)"([^>]*)>/.exec(html);
    expect(first?.[1]).toBe("personal2");
    expect(first?.[2]).toContain("autofocus");
  });

  it("rejects a tampered page field instead of trusting it (AADSTS50089)", async () => {
    const html = await (await get(authorizeUrl(emu, "common"))).text();
    const ctx = hiddenCtx(html);
    const forged = `${ctx.slice(0, -4)}AAAA`;
    const res = await postForm(`${emu.url}${formAction(html)}`, { ctx: forged, account: "personal" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AADSTS50089");
    // A sign-in field cannot be replayed as a consent answer either.
    const asConsent = await postForm(`${emu.url}/common/Consent/Set`, { ctx, decision: "accept" });
    expect(asConsent.status).toBe(400);
    expect(asConsent.headers.get("location")).toBeNull();
  });

  it("escapes every echoed value in its pages (app name, state in form_post)", async () => {
    const evilState = `"><script>alert(1)</script>`;
    const url = `${emu.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: CONFIDENTIAL.clientId,
      response_type: "code",
      redirect_uri: "https://app.example/callback",
      scope: "User.Read",
      state: evilState,
      response_mode: "form_post",
    })}`;
    const signIn = await (await get(url)).text();
    expect(signIn).not.toContain("<b>");
    expect(signIn).toContain("Evil &#60;b&#62;&#34;&#38;&#34; Co&#60;/b&#62;");
    const consent = await postForm(`${emu.url}${formAction(signIn)}`, {
      ctx: hiddenCtx(signIn),
      account: "personal",
    });
    const consentHtml = await consent.text();
    expect(consentHtml).not.toContain("<b>");
    const done = await postForm(`${emu.url}${formAction(consentHtml)}`, {
      ctx: hiddenCtx(consentHtml),
      decision: "accept",
    });
    expect(done.status).toBe(200);
    const posted = await done.text();
    expect(posted).toContain('action="https://app.example/callback"');
    expect(posted).not.toContain("<script>alert");
    expect(posted).toContain("&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(posted).toMatch(/<input type="hidden" name="code" value="[^"]+">/);
    expect(done.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

describe("authorize: requests it will not redirect (no open redirect)", () => {
  it("shows AADSTS700016 on its own page for an unknown client_id, never redirecting", async () => {
    const res = await get(authorizeUrl(emu, "common", { client_id: "00000000-0000-0000-0000-000000000000" }));
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("AADSTS700016");
  });

  it("shows AADSTS50011 with status 400 for an unregistered redirect_uri, never redirecting", async () => {
    for (const redirect of [
      "https://evil.example/callback",
      "http://127.0.0.1:7878/integrations/onedrive/callback/../../evil",
      "http://127.0.0.1.evil.example/integrations/onedrive/callback",
      "http://127.0.0.1:7878@evil.example/integrations/onedrive/callback",
      "http://127.0.0.1:7878/integrations/onedrive/CALLBACK",
    ]) {
      const res = await get(authorizeUrl(emu, "common", { redirect_uri: redirect }));
      expect(res.status, redirect).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("AADSTS50011");
    }
  });

  it("ignores the port of a loopback redirect URI, as Microsoft does for native apps", async () => {
    emu.state.options.autoConsent = "personal";
    for (const redirect of [
      "http://127.0.0.1:54321/integrations/onedrive/callback",
      "http://127.0.0.1/integrations/onedrive/callback",
      "http://localhost:9/integrations/onedrive/callback",
    ]) {
      const res = await get(authorizeUrl(emu, "common", { redirect_uri: redirect }));
      expect(res.status, redirect).toBe(302);
      expect(res.headers.get("location")?.startsWith(`${redirect}?code=`)).toBe(true);
    }
  });

  it("shows AADSTS90002 for a tenant that does not exist", async () => {
    const res = await get(authorizeUrl(emu, "00000000-1111-2222-3333-444444444444"));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AADSTS90002");
  });
});

describe("authorize: errors returned on the redirect", () => {
  it("answers response_type=token with unsupported_response_type", async () => {
    const p = redirectParams(await get(authorizeUrl(emu, "common", { response_type: "token" })));
    expect(p.get("error")).toBe("unsupported_response_type");
    expect(p.get("state")).toBe("st-123");
  });

  it("answers an unknown scope with invalid_scope AADSTS70011", async () => {
    const p = redirectParams(await get(authorizeUrl(emu, "common", { scope: "Files.ReadWrite Mail.Send" })));
    expect(p.get("error")).toBe("invalid_scope");
    expect(p.get("error_description")).toMatch(/^AADSTS70011: .*Mail\.Send/);
  });

  it("answers a code_challenge_method other than S256 or plain with invalid_request", async () => {
    const { challenge } = pkcePair();
    const p = redirectParams(
      await get(authorizeUrl(emu, "common", { code_challenge: challenge, code_challenge_method: "S512" })),
    );
    expect(p.get("error")).toBe("invalid_request");
  });

  it("answers prompt=none with login_required, since no browser session exists", async () => {
    const p = redirectParams(await get(authorizeUrl(emu, "common", { prompt: "none" })));
    expect(p.get("error")).toBe("login_required");
  });

  it("uses the fragment for response_mode=fragment", async () => {
    emu.state.options.autoConsent = "personal";
    const res = await get(authorizeUrl(emu, "common", { response_mode: "fragment" }));
    const location = new URL(res.headers.get("location") ?? "");
    expect(location.search).toBe("");
    expect(new URLSearchParams(location.hash.slice(1)).get("code")).toBeTruthy();
  });
});

describe("auto-consent for scripted runs", () => {
  it("answers at once with a code for the configured account", async () => {
    emu.state.options.autoConsent = "work";
    const res = await codeFlow(emu, "common", { scope: `${FERRY_SCOPES} openid profile email` });
    expect(res.status).toBe(200);
    const claims = decodeJwt(String(res.body.id_token));
    expect(claims.preferred_username).toBe("grace.hopper@contoso.example");
    expect(claims.iss).toBe(`${emu.url}/${CONTOSO_TENANT_ID}/v2.0`);
    expect(claims.aud).toBe(DEV_CLIENT_ID);
    expect(res.body.scope).toBe("Files.ReadWrite User.Read profile openid email");
  });

  it("lets a login_hint naming a test account choose the account", async () => {
    emu.state.options.autoConsent = "personal";
    const res = await codeFlow(emu, "common", {
      scope: `${FERRY_SCOPES} openid profile`,
      login_hint: "alan.turing@outlook.example",
    });
    expect(decodeJwt(String(res.body.id_token)).name).toBe("Alan Turing");
  });

  it("applies tenant rules: /consumers refuses the work account, /organizations the personal one", async () => {
    emu.state.options.autoConsent = "work";
    const a = await get(authorizeUrl(emu, "consumers"));
    expect(a.status).toBe(400);
    expect(await a.text()).toContain("AADSTS500208");
    emu.state.options.autoConsent = "personal";
    const b = await get(authorizeUrl(emu, "organizations"));
    expect(b.status).toBe(400);
    expect(b.headers.get("location")).toBeNull();
    expect(await b.text()).toContain("AADSTS500208");
    const c = await get(authorizeUrl(emu, CONSUMERS_TENANT_ID));
    expect(c.status).toBe(302);
  });

  it("'decline' answers as if the user declined consent", async () => {
    emu.state.options.autoConsent = "decline";
    const p = redirectParams(await get(authorizeUrl(emu, "common")));
    expect(p.get("error")).toBe("access_denied");
    expect(p.get("error_description")).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
    expect(p.get("state")).toBe("st-123");
  });
});

describe("token endpoint: authorization_code", () => {
  async function freshCode(params: Record<string, string> = {}) {
    emu.state.options.autoConsent = "personal";
    const { verifier, challenge } = pkcePair();
    const res = await get(
      authorizeUrl(emu, "common", { code_challenge: challenge, code_challenge_method: "S256", ...params }),
    );
    return { code: redirectParams(res).get("code") ?? "", verifier };
  }

  it("redeems a code once only: a replay is invalid_grant AADSTS54005", async () => {
    const { code, verifier } = await freshCode();
    const form = {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };
    expect((await token(emu, "common", form)).status).toBe(200);
    expectAadError(await token(emu, "common", form), 400, "invalid_grant", 54005);
  });

  it("lets a code live 10 minutes: after that it is invalid_grant AADSTS70008", async () => {
    const { code, verifier } = await freshCode();
    emu.state.clock.advance(601);
    try {
      const res = await token(emu, "common", {
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      });
      expectAadError(res, 400, "invalid_grant", 70008);
    } finally {
      emu.state.clock.advance(-601);
    }
  });

  it("checks the PKCE verifier: mismatch is AADSTS501481, missing is AADSTS50148", async () => {
    const { code } = await freshCode();
    const base = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI };
    expectAadError(
      await token(emu, "common", { ...base, code_verifier: pkcePair().verifier }),
      400,
      "invalid_grant",
      501481,
    );
    expectAadError(await token(emu, "common", base), 400, "invalid_grant", 50148);
  });

  it("accepts the plain PKCE method, as Microsoft does", async () => {
    emu.state.options.autoConsent = "personal";
    const verifier = pkcePair().verifier;
    const res = await get(
      authorizeUrl(emu, "common", { code_challenge: verifier, code_challenge_method: "plain" }),
    );
    const code = redirectParams(res).get("code") ?? "";
    const ok = await token(emu, "common", {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(ok.status).toBe(200);
  });

  it("requires the redirect_uri used at authorize (AADSTS500112)", async () => {
    const { code, verifier } = await freshCode();
    const res = await token(emu, "common", {
      grant_type: "authorization_code",
      code,
      redirect_uri: "http://localhost:7878/integrations/onedrive/callback",
      code_verifier: verifier,
    });
    expectAadError(res, 400, "invalid_client", 500112);
  });

  it("gives no refresh_token without offline_access", async () => {
    emu.state.options.autoConsent = "personal";
    const res = await codeFlow(emu, "common", { scope: "Files.Read User.Read" });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.scope).toBe("Files.Read User.Read");
  });

  it("accepts scopes with Graph's resource prefix and in any case", async () => {
    emu.state.options.autoConsent = "personal";
    const res = await codeFlow(emu, "common", {
      scope:
        "https://graph.microsoft.com/files.readwrite https://graph.microsoft.com/User.Read offline_access",
    });
    expect(res.body.scope).toBe("Files.ReadWrite User.Read");
  });

  it("refuses a code redeemed at a tenant its account cannot use (AADSTS700005)", async () => {
    const { code, verifier } = await freshCode();
    const res = await token(emu, "organizations", {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expectAadError(res, 400, "invalid_grant", 700005);
  });

  it("answers in Microsoft's error JSON: description with trace lines, codes, timestamp, ids", async () => {
    const correlation = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const res = await token(
      emu,
      "common",
      { grant_type: "authorization_code", code: "not-a-code", redirect_uri: REDIRECT_URI },
      { "client-request-id": correlation },
    );
    const body = expectAadError(res, 400, "invalid_grant", 9002313);
    expect(body.error_description).toMatch(
      /^AADSTS9002313: .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.correlation_id).toBe(correlation);
    expect(body.error_uri).toBe("https://login.microsoftonline.com/error?code=9002313");
  });

  it("answers an unknown grant_type with unsupported_grant_type, and GET with AADSTS900561", async () => {
    expectAadError(
      await token(emu, "common", { grant_type: "password" }),
      400,
      "unsupported_grant_type",
      70003,
    );
    expectAadError(await token(emu, "common", {}), 400, "invalid_request", 900144);
    const res = await get(`${emu.url}/common/oauth2/v2.0/token`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_codes: number[] }).error_codes).toEqual([900561]);
  });

  it("answers an unknown tenant with AADSTS90002", async () => {
    const res = await token(emu, "not-a-tenant", { grant_type: "refresh_token", refresh_token: "x" });
    expectAadError(res, 400, "invalid_request", 90002);
  });
});

describe("token endpoint: client authentication", () => {
  async function confidentialCode(): Promise<string> {
    emu.state.options.autoConsent = "personal";
    const res = await get(
      `${emu.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: CONFIDENTIAL.clientId,
        response_type: "code",
        redirect_uri: "https://app.example/callback",
        scope: FERRY_SCOPES,
      })}`,
    );
    return new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
  }
  const form = (code: string) => ({
    client_id: CONFIDENTIAL.clientId,
    grant_type: "authorization_code",
    code,
    redirect_uri: "https://app.example/callback",
  });

  it("requires a confidential app's secret: missing is 401 AADSTS7000218, wrong is 401 AADSTS7000215", async () => {
    const code = await confidentialCode();
    expectAadError(await token(emu, "common", form(code)), 401, "invalid_client", 7000218);
    expectAadError(
      await token(emu, "common", { ...form(code), client_secret: "nope" }),
      401,
      "invalid_client",
      7000215,
    );
    const ok = await token(emu, "common", { ...form(code), client_secret: CONFIDENTIAL.clientSecret });
    expect(ok.status).toBe(200);
  });

  it("accepts the secret as HTTP Basic (RFC 6749 §2.3.1)", async () => {
    const code = await confidentialCode();
    const basic = Buffer.from(
      `${encodeURIComponent(CONFIDENTIAL.clientId)}:${encodeURIComponent(CONFIDENTIAL.clientSecret)}`,
    ).toString("base64");
    const ok = await token(emu, "common", form(code), { authorization: `Basic ${basic}` });
    expect(ok.status).toBe(200);
  });

  it("needs no secret from a public app, and refuses one (AADSTS700025)", async () => {
    emu.state.options.autoConsent = "personal";
    const { verifier, challenge } = pkcePair();
    const res = await get(
      authorizeUrl(emu, "common", { code_challenge: challenge, code_challenge_method: "S256" }),
    );
    const code = redirectParams(res).get("code") ?? "";
    const base = {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };
    expectAadError(
      await token(emu, "common", { ...base, client_secret: "x" }),
      401,
      "invalid_client",
      700025,
    );
    expect((await token(emu, "common", base)).status).toBe(200);
  });

  it("answers an unknown client with unauthorized_client AADSTS700016", async () => {
    const res = await token(emu, "common", {
      client_id: "11111111-2222-3333-4444-555555555555",
      grant_type: "refresh_token",
      refresh_token: "x",
    });
    expectAadError(res, 400, "unauthorized_client", 700016);
  });
});

describe("OpenID Connect discovery", () => {
  it("keeps the {tenantid} issuer template for /common and /organizations, as Microsoft does", async () => {
    for (const tenant of ["common", "organizations"]) {
      const meta = (await (
        await get(`${emu.url}/${tenant}/v2.0/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(meta.issuer).toBe(`${emu.url}/{tenantid}/v2.0`);
      expect(meta.authorization_endpoint).toBe(`${emu.url}/${tenant}/oauth2/v2.0/authorize`);
      expect(meta.token_endpoint).toBe(`${emu.url}/${tenant}/oauth2/v2.0/token`);
      expect(meta.device_authorization_endpoint).toBe(`${emu.url}/${tenant}/oauth2/v2.0/devicecode`);
      expect(meta.jwks_uri).toBe(`${emu.url}/${tenant}/discovery/v2.0/keys`);
      expect(meta.code_challenge_methods_supported).toEqual(["plain", "S256"]);
      expect(meta.response_types_supported).toContain("code");
      expect(meta.scopes_supported).toEqual(["openid", "profile", "email", "offline_access"]);
    }
  });

  it("names the concrete directory as issuer for /consumers and for a tenant id", async () => {
    const consumers = (await (
      await get(`${emu.url}/consumers/v2.0/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
    };
    expect(consumers.issuer).toBe(`${emu.url}/${CONSUMERS_TENANT_ID}/v2.0`);
    const contoso = (await (
      await get(`${emu.url}/${CONTOSO_TENANT_ID}/v2.0/.well-known/openid-configuration`)
    ).json()) as { issuer: string };
    expect(contoso.issuer).toBe(`${emu.url}/${CONTOSO_TENANT_ID}/v2.0`);
  });

  it("publishes the RS256 key that signs id_tokens", async () => {
    const keys = (await (await get(`${emu.url}/common/discovery/v2.0/keys`)).json()) as {
      keys: { kty: string; use: string; kid: string; n: string; e: string }[];
    };
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]).toMatchObject({ kty: "RSA", use: "sig", e: "AQAB" });
  });

  it("answers discovery for an unknown tenant with AADSTS90002", async () => {
    const res = await get(`${emu.url}/nowhere/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });
});
