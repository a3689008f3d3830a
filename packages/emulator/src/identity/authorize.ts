import type { FastifyReply, FastifyRequest } from "fastify";
import { type Account, accountByKey, accountByLoginHint } from "../accounts.ts";
import { rawQuery, readForm } from "../http.ts";
import type { AppRegistration } from "../options.ts";
import type { EmulatorState } from "../state.ts";
import { issueAuthorizationCode } from "./authorizationCode.ts";
import {
  AuthorizePageFault,
  AuthorizeRedirectFault,
  type AuthorizeRequest,
  parseAuthorizeRequest,
  type RedirectTarget,
} from "./authorizeRequest.ts";
import { describeError, diagnosticsFor, errorUri } from "./identityError.ts";
import { consentPage, errorPage, formPostPage, sendPage, signInPage } from "./pages.ts";
import {
  accountsForTenant,
  resolveTenant,
  type Tenant,
  tenantRefusal,
  unknownTenantMessage,
} from "./tenants.ts";
import { consentCovers, grantFor } from "./tokenIssuer.ts";
import { clientInfo } from "./tokenResponse.ts";

/**
 * The authorization endpoint and its two pages. Between the pages the validated request travels
 * in a signed, expiring `ctx` field instead of a server session: the signature binds the client,
 * redirect URI, scopes and PKCE challenge checked on the first GET, so a form post cannot swap in
 * another redirect URI or widen the scopes, and the `step` stops a sign-in ctx from being posted
 * as a consent.
 */
interface AuthorizeCtx {
  typ: "ferry-authorize";
  step: "signin" | "consent";
  exp: number;
  req: AuthorizeRequest;
  account?: string;
}

/** How long a person may take between the pages. */
const CTX_LIFETIME_MS = 3600_000;

type TenantParams = { Params: { tenant: string } };

/** `GET /{tenant}/oauth2/v2.0/authorize` */
export async function authorizeGet(
  state: EmulatorState,
  request: FastifyRequest<TenantParams>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  try {
    const tenant = tenantOrPageFault(request.params.tenant);
    const { app, request: req } = parseAuthorizeRequest(state, tenant, rawQuery(request));
    return begin(state, reply, tenant, app, req);
  } catch (err) {
    return answerFault(state, request, reply, err);
  }
}

/** `POST /{tenant}/login`: the account picked on the sign-in page. */
export function signInPost(
  state: EmulatorState,
  request: FastifyRequest<TenantParams>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  return answerFormPost(state, request, reply, (tenant, form) => {
    const { req, app } = openCtx(state, form.get("ctx"), "signin", tenant);
    const account = accountByKey(form.get("account") ?? "");
    if (!account)
      throw new AuthorizePageFault(90013, "The input from the user isn't valid: pick an account.");
    const refusal = tenantRefusal(account, tenant, app);
    if (refusal) throw new AuthorizePageFault(refusal.code, refusal.message);
    if (req.prompt !== "consent" && consentCovers(state, account, req.clientId, req.scopes)) {
      return complete(state, reply, req, account);
    }
    const page = consentPage({
      action: `/${tenant.segment}/Consent/Set`,
      ctx: sealCtx(state, { step: "consent", req, account: account.key }),
      appName: app.displayName ?? app.clientId,
      account,
      scopes: req.scopes,
    });
    return sendPage(reply, 200, page.title, page.body);
  });
}

/** `POST /{tenant}/Consent/Set`: Accept or Decline. */
export function consentPost(
  state: EmulatorState,
  request: FastifyRequest<TenantParams>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  return answerFormPost(state, request, reply, (tenant, form) => {
    const ctx = openCtx(state, form.get("ctx"), "consent", tenant);
    const account = accountByKey(ctx.account ?? "");
    if (!account) throw new AuthorizePageFault(90013, "The input from the user isn't valid.");
    const decision = form.get("decision");
    if (decision === "accept") return complete(state, reply, ctx.req, account);
    if (decision === "decline") throw declined(ctx.req);
    throw new AuthorizePageFault(90013, "The input from the user isn't valid: choose Accept or Decline.");
  });
}

/** A form one of the pages posted: its tenant and fields, and any fault answered as Microsoft's pages answer it. */
async function answerFormPost(
  state: EmulatorState,
  request: FastifyRequest<TenantParams>,
  reply: FastifyReply,
  step: (tenant: Tenant, form: Awaited<ReturnType<typeof readForm>>) => FastifyReply | Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    const tenant = tenantOrPageFault(request.params.tenant);
    return await step(tenant, await readForm(request));
  } catch (err) {
    return answerFault(state, request, reply, err);
  }
}

/**
 * After validation: auto-consent answers at once (for scripted runs); otherwise the sign-in page.
 * A `login_hint` naming a test account picks the account auto-consent signs in.
 */
function begin(
  state: EmulatorState,
  reply: FastifyReply,
  tenant: Tenant,
  app: AppRegistration,
  req: AuthorizeRequest,
): FastifyReply {
  const hinted = req.loginHint ? accountByLoginHint(req.loginHint) : undefined;
  const auto = state.options.autoConsent;
  if (auto === "decline") throw declined(req);
  const autoAccount = auto && accountByKey(auto) ? (hinted ?? accountByKey(auto)) : undefined;
  // Auto-consent plays a browser already signed in to Microsoft. `prompt=select_account` interrupts that single
  // sign-on at Microsoft: the account picker is shown even to a signed-in account that consented, so here too.
  if (autoAccount && req.prompt !== "select_account") {
    const refusal = tenantRefusal(autoAccount, tenant, app);
    if (refusal) throw new AuthorizePageFault(refusal.code, refusal.message);
    return complete(state, reply, req, autoAccount);
  }
  if (req.prompt === "none") {
    // No browser session exists in the emulator, so a silent request can never succeed.
    throw new AuthorizeRedirectFault(
      req,
      "login_required",
      50058,
      "A silent sign-in request was sent but no user is signed in.",
    );
  }
  const accounts = accountsForTenant(tenant);
  const page = signInPage({
    action: `/${tenant.segment}/login`,
    ctx: sealCtx(state, { step: "signin", req }),
    appName: app.displayName ?? app.clientId,
    accounts,
    ...(autoAccount && accounts.includes(autoAccount) ? { suggested: autoAccount } : {}),
    ...(hinted && accounts.includes(hinted) ? { suggested: hinted } : {}),
  });
  return sendPage(reply, 200, page.title, page.body);
}

/** Consent given: record the grant, issue the code, send the browser back to the app. */
function complete(state: EmulatorState, reply: FastifyReply, req: AuthorizeRequest, account: Account) {
  const grant = grantFor(state, account, req.clientId, req.scopes);
  const code = issueAuthorizationCode(state, req, account, grant);
  return deliver(reply, req, { code, ...(req.clientInfo ? { client_info: clientInfo(account) } : {}) });
}

function declined(req: AuthorizeRequest): AuthorizeRedirectFault {
  return new AuthorizeRedirectFault(
    req,
    "access_denied",
    65004,
    "User declined to consent to access the app.",
  );
}

/** Sends the response to the redirect URI in the requested `response_mode`, with `state` echoed. */
function deliver(reply: FastifyReply, target: RedirectTarget, params: Record<string, string>): FastifyReply {
  const all = { ...params, ...(target.state !== undefined ? { state: target.state } : {}) };
  if (target.responseMode === "form_post") {
    const page = formPostPage(target.redirectUri, all);
    return sendPage(reply, 200, page.title, page.body, page.nonce);
  }
  const url = new URL(target.redirectUri);
  if (target.responseMode === "fragment") url.hash = new URLSearchParams(all).toString();
  else for (const [k, v] of Object.entries(all)) url.searchParams.append(k, v);
  return reply.code(302).header("location", url.toString()).header("cache-control", "no-store").send();
}

function answerFault(
  state: EmulatorState,
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
): FastifyReply {
  const d = diagnosticsFor(state, request);
  if (err instanceof AuthorizePageFault) {
    const page = errorPage(err.code, err.message, d);
    return sendPage(reply, 400, page.title, page.body);
  }
  if (err instanceof AuthorizeRedirectFault) {
    return deliver(reply, err.target, {
      error: err.error,
      error_description: describeError(err.code, err.message, d),
      error_uri: errorUri(err.code),
    });
  }
  throw err;
}

function tenantOrPageFault(segment: string): Tenant {
  const tenant = resolveTenant(segment);
  if (!tenant) throw new AuthorizePageFault(90002, unknownTenantMessage(segment));
  return tenant;
}

function sealCtx(state: EmulatorState, ctx: Omit<AuthorizeCtx, "typ" | "exp">): string {
  return state.signer.sign({ typ: "ferry-authorize", exp: state.clock.now() + CTX_LIFETIME_MS, ...ctx });
}

function openCtx(
  state: EmulatorState,
  value: string | null,
  step: AuthorizeCtx["step"],
  tenant: Tenant,
): AuthorizeCtx & { app: AppRegistration } {
  const ctx = value ? state.signer.verify<AuthorizeCtx>(value) : undefined;
  if (
    ctx?.typ !== "ferry-authorize" ||
    ctx.step !== step ||
    typeof ctx.exp !== "number" ||
    ctx.exp <= state.clock.now() ||
    ctx.req?.tenant !== tenant.segment
  ) {
    throw new AuthorizePageFault(
      50089,
      "Authentication failed due to flow token expired or invalid. Start the sign-in again from the application.",
    );
  }
  const app = state.identity.apps.get(ctx.req.clientId);
  if (!app)
    throw new AuthorizePageFault(700016, `Application with identifier '${ctx.req.clientId}' was not found.`);
  return { ...ctx, app };
}
