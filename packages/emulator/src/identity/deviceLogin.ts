import type { FastifyReply, FastifyRequest } from "fastify";
import { accountByKey } from "../accounts.ts";
import { readForm } from "../http.ts";
import type { EmulatorState } from "../state.ts";
import { approveDeviceCode, openDeviceAuthorization } from "./deviceCode.ts";
import { diagnosticsFor } from "./identityError.ts";
import { consentPage, deviceCodeEntryPage, errorPage, messagePage, sendPage, signInPage } from "./pages.ts";
import { accountsForTenant, resolveTenant, tenantRefusal } from "./tenants.ts";
import { consentCovers } from "./tokenIssuer.ts";

/**
 * The `verification_uri` of the device code flow: enter the code, pick an account, consent. All
 * steps post back to `/devicelogin`; which step a post is comes from its signed `ctx` (carrying
 * only the user code, never the device code, which stays secret to the device).
 */
interface DeviceCtx {
  typ: "ferry-devicelogin";
  step: "signin" | "consent";
  exp: number;
  userCode: string;
  account?: string;
}

const PATH = "/devicelogin";
const CTX_LIFETIME_MS = 3600_000;

export function deviceLoginGet(_state: EmulatorState, _request: FastifyRequest, reply: FastifyReply) {
  const page = deviceCodeEntryPage({ action: PATH });
  return sendPage(reply, 200, page.title, page.body);
}

export async function deviceLoginPost(state: EmulatorState, request: FastifyRequest, reply: FastifyReply) {
  const form = await readForm(request);
  const ctxValue = form.get("ctx");
  if (ctxValue === null) return enterCode(state, reply, form.get("otc") ?? "");

  const ctx = state.signer.verify<DeviceCtx>(ctxValue);
  if (ctx?.typ !== "ferry-devicelogin" || typeof ctx.exp !== "number" || ctx.exp <= state.clock.now()) {
    return failPage(
      state,
      request,
      reply,
      50089,
      "Authentication failed due to flow token expired. Start again.",
    );
  }
  const open = openDeviceAuthorization(state, ctx.userCode);
  if (!open.ok) return codeRejected(reply);
  const { device } = open;
  const app = state.identity.apps.get(device.clientId);
  const appName = app?.displayName ?? device.clientId;

  if (ctx.step === "signin") {
    const account = accountByKey(form.get("account") ?? "");
    const tenant = resolveTenant(device.tenant);
    if (!account || !tenant)
      return failPage(state, request, reply, 90013, "The input from the user isn't valid.");
    const refusal = tenantRefusal(account, tenant, { clientId: device.clientId, displayName: appName });
    if (refusal) return failPage(state, request, reply, refusal.code, refusal.message);
    if (consentCovers(state, account, device.clientId, device.scopes)) {
      return decide(state, reply, ctx.userCode, account.key, true, appName);
    }
    const page = consentPage({
      action: PATH,
      ctx: seal(state, { step: "consent", userCode: ctx.userCode, account: account.key }),
      appName,
      account,
      scopes: device.scopes,
    });
    return sendPage(reply, 200, page.title, page.body);
  }

  const decision = form.get("decision");
  if (ctx.step !== "consent" || !ctx.account || (decision !== "accept" && decision !== "decline")) {
    return failPage(
      state,
      request,
      reply,
      90013,
      "The input from the user isn't valid: choose Accept or Decline.",
    );
  }
  return decide(state, reply, ctx.userCode, ctx.account, decision === "accept", appName);
}

function enterCode(state: EmulatorState, reply: FastifyReply, typed: string) {
  const open = openDeviceAuthorization(state, typed);
  if (!open.ok) return codeRejected(reply);
  const tenant = resolveTenant(open.device.tenant);
  const app = state.identity.apps.get(open.device.clientId);
  const page = signInPage({
    action: PATH,
    ctx: seal(state, { step: "signin", userCode: open.device.userCode }),
    appName: app?.displayName ?? open.device.clientId,
    accounts: tenant ? accountsForTenant(tenant) : [],
  });
  return sendPage(reply, 200, page.title, page.body);
}

function decide(
  state: EmulatorState,
  reply: FastifyReply,
  userCode: string,
  accountKey: string,
  accept: boolean,
  appName: string,
) {
  approveDeviceCode(state, userCode, accountKey, accept);
  const page = accept
    ? messagePage(
        appName,
        `You have signed in to the ${appName} application on your device. You may now close this window.`,
      )
    : messagePage(
        "Sign-in canceled",
        `You have declined to sign in to the ${appName} application on your device.`,
      );
  return sendPage(reply, 200, page.title, page.body);
}

/** Unknown, expired or already used codes all read the same to the person typing them. */
function codeRejected(reply: FastifyReply) {
  const page = deviceCodeEntryPage({
    action: PATH,
    error: "That code didn't work. Check the code and try again.",
  });
  return sendPage(reply, 400, page.title, page.body);
}

function failPage(
  state: EmulatorState,
  request: FastifyRequest,
  reply: FastifyReply,
  code: number,
  message: string,
) {
  const page = errorPage(code, message, diagnosticsFor(state, request));
  return sendPage(reply, 400, page.title, page.body);
}

function seal(state: EmulatorState, ctx: Omit<DeviceCtx, "typ" | "exp">): string {
  return state.signer.sign({ typ: "ferry-devicelogin", exp: state.clock.now() + CTX_LIFETIME_MS, ...ctx });
}
