import type { AppRegistration } from "../options.ts";
import type { EmulatorState } from "../state.ts";
import { IdentityFault } from "./identityError.ts";
import { CHALLENGE_METHODS, type ChallengeMethod, wellFormedPkceValue } from "./pkce.ts";
import { redirectUriRegistered } from "./redirectUri.ts";
import { parseScopes } from "./scopes.ts";
import type { Tenant } from "./tenants.ts";

export type ResponseMode = "query" | "fragment" | "form_post";

/** Where and how an answer goes back to the app once its redirect URI is known to be registered. */
export interface RedirectTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
}

/** A validated `/authorize` request. It travels between the pages inside the signed `ctx` field. */
export interface AuthorizeRequest extends RedirectTarget {
  tenant: string;
  clientId: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: ChallengeMethod;
  nonce?: string;
  prompt?: string;
  loginHint?: string;
  /** `client_info=1`: the answer carries `client_info` beside the code, as MSAL asks. */
  clientInfo?: boolean;
}

/**
 * An error shown on Microsoft's own page, never sent to the redirect URI: until the client and
 * its redirect URI are validated, redirecting would make the endpoint an open redirector.
 */
export class AuthorizePageFault extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** An error sent back to the (validated) redirect URI as `error`, `error_description`, `state`. */
export class AuthorizeRedirectFault extends Error {
  constructor(
    readonly target: RedirectTarget,
    readonly error: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const PROMPTS = new Set(["login", "none", "consent", "select_account"]);

/** Checks the client and redirect URI first (page errors), then the rest (redirect errors). */
export function parseAuthorizeRequest(
  state: EmulatorState,
  tenant: Tenant,
  q: URLSearchParams,
): { app: AppRegistration; request: AuthorizeRequest } {
  const clientId = q.get("client_id");
  if (!clientId) {
    throw new AuthorizePageFault(
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  }
  const app = state.identity.apps.get(clientId);
  if (!app) {
    throw new AuthorizePageFault(
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const redirectUri = q.get("redirect_uri");
  if (!redirectUri) throw new AuthorizePageFault(900971, "No reply address provided.");
  if (!redirectUriRegistered(app, redirectUri)) {
    throw new AuthorizePageFault(
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    );
  }

  const modeParam = q.get("response_mode") ?? "query";
  const responseMode: ResponseMode =
    modeParam === "fragment" || modeParam === "form_post" ? modeParam : "query";
  const target: RedirectTarget = { redirectUri, responseMode, ...optional("state", q.get("state")) };
  const fail = (error: string, code: number, message: string) =>
    new AuthorizeRedirectFault(target, error, code, message);

  if (!["query", "fragment", "form_post"].includes(modeParam)) {
    throw fail("invalid_request", 70007, `The response_mode '${modeParam}' is not supported.`);
  }
  const responseType = q.get("response_type");
  if (!responseType) {
    throw fail(
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'response_type'.",
    );
  }
  if (responseType !== "code") {
    // The emulator serves the authorization code flow only; hybrid and implicit need app settings it has not.
    throw fail(
      "unsupported_response_type",
      70005,
      `The response_type '${responseType}' is not enabled for the application. Only 'code' is supported.`,
    );
  }
  const scopeParam = q.get("scope");
  if (!scopeParam?.trim()) {
    throw fail(
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'scope'. The provided request must include a 'scope' input parameter.",
    );
  }
  let scopes: string[];
  try {
    scopes = parseScopes(scopeParam);
  } catch (e) {
    if (e instanceof IdentityFault) throw fail(e.error, e.code, e.message);
    throw e;
  }

  const codeChallenge = q.get("code_challenge") ?? undefined;
  const methodParam = q.get("code_challenge_method") ?? undefined;
  if (methodParam !== undefined && !CHALLENGE_METHODS.includes(methodParam as ChallengeMethod)) {
    throw fail("invalid_request", 50149, `Invalid Code_Challenge_method parameter '${methodParam}'.`);
  }
  if (methodParam !== undefined && codeChallenge === undefined) {
    throw fail(
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'code_challenge'.",
    );
  }
  if (codeChallenge !== undefined && !wellFormedPkceValue(codeChallenge)) {
    throw fail("invalid_request", 501491, "Invalid size of Code_Challenge parameter.");
  }

  const prompt = q.get("prompt") ?? undefined;
  if (prompt !== undefined && !PROMPTS.has(prompt)) {
    throw fail("invalid_request", 90023, `Invalid prompt value '${prompt}'.`);
  }

  return {
    app,
    request: {
      ...target,
      tenant: tenant.segment,
      clientId,
      scopes,
      ...optional("codeChallenge", codeChallenge),
      // RFC 7636 §4.3: without a method, the challenge is plain.
      ...optional(
        "codeChallengeMethod",
        codeChallenge ? ((methodParam as ChallengeMethod) ?? "plain") : undefined,
      ),
      ...optional("nonce", q.get("nonce")),
      ...optional("prompt", prompt),
      ...optional("loginHint", q.get("login_hint")),
      ...(q.get("client_info") === "1" ? { clientInfo: true } : {}),
    },
  };
}

function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
