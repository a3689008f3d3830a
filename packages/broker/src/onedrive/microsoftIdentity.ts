import * as client from "openid-client";
import type { BrokerConfig } from "../config.ts";

/**
 * What Ferry asks Microsoft for: read and write the user's files (Files.ReadWrite), stay signed in with a refresh
 * token (offline_access), know who they are (User.Read). Nothing more, so consent asks for nothing more.
 */
export const ONEDRIVE_SCOPES = ["Files.ReadWrite", "offline_access", "User.Read"] as const;
export const ONEDRIVE_SCOPE = ONEDRIVE_SCOPES.join(" ");

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/**
 * Used when a token response has no (or a nonsensical) `expires_in`. Short on purpose: a token thought to live
 * forever is never refreshed (Nango's bug), while a short guess only costs an early refresh.
 */
export const DEFAULT_EXPIRES_IN_SECONDS = 600;
const MAX_EXPIRES_IN_SECONDS = 24 * 3600;
const REQUEST_TIMEOUT_SECONDS = 15;

export interface IssuedTokens {
  accessToken: string;
  /** Absent when Microsoft issued none (no offline_access); on refresh the caller then keeps the old one. */
  refreshToken: string | undefined;
  expiresInSeconds: number;
  /** Space-separated granted scopes. */
  scope: string;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  expiresInSeconds: number;
  intervalSeconds: number;
  message: string | undefined;
}

export class NotConfiguredError extends Error {
  override name = "NotConfiguredError";
  constructor() {
    super(
      "FERRY_MS_CLIENT_ID is not set, so the broker cannot talk to Microsoft. Register an app in Microsoft Entra " +
        "(or run `ferry dev` against the emulator) and set FERRY_MS_CLIENT_ID (and FERRY_MS_CLIENT_SECRET for a " +
        "confidential client).",
    );
  }
}

/**
 * Microsoft's identity platform v2.0 through openid-client. The Configuration is built by hand rather than
 * discovered: the multi-tenant issuer of /common is the template `{tenantid}`, which fails openid-client's issuer
 * check everywhere but on login.microsoftonline.com itself (and so against the emulator); Ferry requests no
 * `openid` scope, so no id_token, and so no issuer to check.
 */
export class MicrosoftIdentity {
  readonly #config: BrokerConfig;
  readonly #fetch: typeof fetch | undefined;
  #configuration: client.Configuration | undefined;

  constructor(config: BrokerConfig, fetchImpl?: typeof fetch) {
    this.#config = config;
    this.#fetch = fetchImpl;
  }

  get configured(): boolean {
    return this.#config.microsoft.clientId !== undefined;
  }

  /** Throws NotConfiguredError without FERRY_MS_CLIENT_ID, so a flow fails before anything is stored. */
  assertConfigured(): void {
    this.#client();
  }

  authorizationUrl(input: { state: string; codeChallenge: string; loginHint?: string | undefined }): URL {
    return client.buildAuthorizationUrl(this.#client(), {
      redirect_uri: this.#config.redirectUri,
      scope: ONEDRIVE_SCOPE,
      response_mode: "query",
      state: input.state,
      code_challenge: input.codeChallenge,
      code_challenge_method: "S256",
      // Microsoft's account picker even when the browser has one signed-in account that already consented: without
      // it Microsoft answers at once, with no page, to any request that reaches it (an <img>, an <iframe>, a link
      // someone else sent), and the person never sees which account is being handed over.
      prompt: "select_account",
      ...(input.loginHint ? { login_hint: input.loginHint } : {}),
    });
  }

  /** Redeems the code in the callback's query string; `state` was already checked against the database. */
  async exchangeCode(
    callbackQuery: string,
    checks: { state: string; codeVerifier: string },
  ): Promise<IssuedTokens> {
    // Built from the configured redirect URI, not the request's Host: behind a proxy they differ, and the
    // redirect_uri sent with the code must be exactly the one the authorization request named.
    const currentUrl = new URL(this.#config.redirectUri);
    currentUrl.search = callbackQuery;
    const response = await client.authorizationCodeGrant(this.#client(), currentUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
    });
    return issuedTokens(response);
  }

  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const response = await client.refreshTokenGrant(this.#client(), refreshToken, { scope: ONEDRIVE_SCOPE });
    return issuedTokens(response);
  }

  async startDeviceAuthorization(): Promise<DeviceAuthorization> {
    const response = await client.initiateDeviceAuthorization(this.#client(), { scope: ONEDRIVE_SCOPE });
    return {
      deviceCode: response.device_code,
      userCode: response.user_code,
      verificationUri: response.verification_uri,
      expiresInSeconds: response.expires_in,
      intervalSeconds: response.interval ?? 5,
      message: typeof response.message === "string" ? response.message : undefined,
    };
  }

  /**
   * One poll of the token endpoint for a device code (RFC 8628 §3.4). openid-client's own poller loops in memory;
   * the broker keeps the device code in the database and polls once per call, so a restart loses nothing.
   * Pending, slow_down, declined and expired all arrive as a thrown ResponseBodyError.
   */
  async pollDeviceCode(deviceCode: string): Promise<IssuedTokens> {
    const response = await client.genericGrantRequest(this.#client(), DEVICE_CODE_GRANT, {
      device_code: deviceCode,
    });
    return issuedTokens(response);
  }

  #client(): client.Configuration {
    if (this.#configuration !== undefined) return this.#configuration;
    const { clientId, clientSecret, tenant, authority } = this.#config.microsoft;
    if (clientId === undefined) throw new NotConfiguredError();
    const base = `${authority}/${tenant}`;
    const configuration = new client.Configuration(
      {
        issuer: `${authority}/${tenant}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      },
      clientId,
      undefined,
      // A confidential client proves itself with its secret; a public one relies on PKCE alone.
      clientSecret === undefined ? client.None() : client.ClientSecretPost(clientSecret.reveal()),
    );
    configuration.timeout = REQUEST_TIMEOUT_SECONDS;
    // openid-client refuses http:// endpoints unless told; only the emulator (or a test double) is plain http.
    if (authority.startsWith("http:")) client.allowInsecureRequests(configuration);
    const fetchImpl = this.#fetch;
    if (fetchImpl !== undefined) {
      configuration[client.customFetch] = (url, options) =>
        fetchImpl(url, options as RequestInit) as ReturnType<client.CustomFetch>;
    }
    this.#configuration = configuration;
    return configuration;
  }
}

function issuedTokens(response: client.TokenEndpointResponse): IssuedTokens {
  const raw = response.expires_in;
  const expiresInSeconds =
    typeof raw === "number" && Number.isFinite(raw) && raw > 0
      ? Math.min(raw, MAX_EXPIRES_IN_SECONDS)
      : DEFAULT_EXPIRES_IN_SECONDS;
  const refreshToken = typeof response.refresh_token === "string" ? response.refresh_token : undefined;
  const granted = (response.scope ?? ONEDRIVE_SCOPE).split(/\s+/).filter((s) => s !== "");
  // Microsoft leaves offline_access out of `scope` even when it granted it; a refresh token is the proof.
  if (refreshToken !== undefined && !granted.includes("offline_access")) granted.push("offline_access");
  return { accessToken: response.access_token, refreshToken, expiresInSeconds, scope: granted.join(" ") };
}
