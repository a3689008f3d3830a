import { randomInt } from "node:crypto";
import { accountAllowedForTenant, accountById, accountByKey } from "../accounts.ts";
import type { AppRegistration } from "../options.ts";
import { opaque } from "../secrets.ts";
import type { EmulatorState } from "../state.ts";
import { grantRevokedFault } from "./grantChecks.ts";
import { IdentityFault, missingParameter } from "./identityError.ts";
import { type DeviceAuthorization, secretKey } from "./identityStore.ts";
import type { Issuance } from "./issuance.ts";
import { parseScopes } from "./scopes.ts";
import type { Tenant } from "./tenants.ts";
import { grantFor } from "./tokenIssuer.ts";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/**
 * The name Microsoft's own libraries send (msal-common's `GrantType.DEVICE_CODE_GRANT`, MSAL4J's
 * `DeviceCodeAuthorizationGrant`), which the identity platform accepts as well as RFC 8628's URN.
 */
export const DEVICE_CODE_GRANT_SHORT = "device_code";

/** Microsoft gives the user 15 minutes to sign in. */
export const DEVICE_CODE_LIFETIME_S = 900;

/** Letters and digits a person can read off a screen without confusing 0/O or 1/I. */
const USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function newUserCode(): string {
  let code = "";
  for (let i = 0; i < 9; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** People type codes with spaces, dashes and in lower case. */
export function normalizeUserCode(typed: string): string {
  return typed.replace(/[\s-]/g, "").toUpperCase();
}

/**
 * `POST /{tenant}/oauth2/v2.0/devicecode` → the device authorization response (RFC 8628 §3.2).
 * `verification_uri` is on `origin`, the one the request was addressed to: the person opens it on
 * another device, which must reach the same host the app did.
 */
export function startDeviceAuthorization(
  state: EmulatorState,
  origin: string,
  tenant: Tenant,
  form: URLSearchParams,
) {
  const clientId = form.get("client_id");
  if (!clientId) throw missingParameter("client_id");
  if (!state.identity.apps.has(clientId)) {
    throw new IdentityFault(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const scopeParam = form.get("scope");
  if (!scopeParam?.trim()) throw missingParameter("scope");
  const scopes = parseScopes(scopeParam);

  const now = state.clock.now();
  state.identity.prune(now);
  const deviceCode = opaque(48);
  let userCode = newUserCode();
  while (findByUserCode(state, userCode)) userCode = newUserCode();
  state.identity.deviceAuthorizations.set(secretKey(deviceCode), {
    userCode,
    clientId,
    tenant: tenant.segment,
    scopes,
    issuedAt: now,
    expiresAt: now + DEVICE_CODE_LIFETIME_S * 1000,
    status: "pending",
  });
  const verificationUri = `${origin}/devicelogin`;
  return {
    user_code: userCode,
    device_code: deviceCode,
    verification_uri: verificationUri,
    expires_in: DEVICE_CODE_LIFETIME_S,
    interval: state.options.deviceCodeInterval,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
  };
}

export function findByUserCode(state: EmulatorState, userCode: string): DeviceAuthorization | undefined {
  const wanted = normalizeUserCode(userCode);
  for (const d of state.identity.deviceAuthorizations.values()) if (d.userCode === wanted) return d;
  return undefined;
}

/**
 * A device authorization the user may still act on, or a reason it cannot be: the wording of the
 * device-login page ("That code didn't work…") and of `approveDeviceCode`'s errors.
 */
export function openDeviceAuthorization(
  state: EmulatorState,
  userCode: string,
): { ok: true; device: DeviceAuthorization } | { ok: false; reason: string } {
  const device = findByUserCode(state, userCode);
  if (!device) return { ok: false, reason: `The code '${userCode}' is not a known device code.` };
  if (state.clock.now() >= device.expiresAt)
    return { ok: false, reason: `The code '${userCode}' has expired.` };
  if (device.status !== "pending") {
    return { ok: false, reason: `The code '${userCode}' was already ${device.status}.` };
  }
  return { ok: true, device };
}

/**
 * Decides a device authorization as the user on the device-login page would: `accept` grants the
 * requested scopes to the app for that account, otherwise the device's next poll gets
 * `authorization_declined`. For scripted runs (the admin API) and tests. Throws for an unknown,
 * expired or already decided code, and for an account the device's tenant does not allow.
 */
export function approveDeviceCode(
  state: EmulatorState,
  userCode: string,
  accountKey: string,
  accept: boolean,
): void {
  const open = openDeviceAuthorization(state, userCode);
  if (!open.ok) throw new Error(open.reason);
  const { device } = open;
  const account = accountByKey(accountKey);
  if (!account) throw new Error(`There is no test account '${accountKey}'.`);
  if (!accountAllowedForTenant(account, device.tenant)) {
    throw new Error(`The account '${accountKey}' cannot sign in through the '${device.tenant}' tenant.`);
  }
  device.accountId = account.id;
  if (!accept) {
    device.status = "declined";
    return;
  }
  device.grantId = grantFor(state, account, device.clientId, device.scopes).id;
  device.status = "approved";
}

/** `grant_type=urn:ietf:params:oauth:grant-type:device_code` (or `device_code`): one poll (RFC 8628 §3.4, §3.5). */
export function redeemDeviceCode(
  state: EmulatorState,
  form: URLSearchParams,
  app: AppRegistration,
  tenant: Tenant,
): Issuance {
  const deviceCode = form.get("device_code") ?? form.get("code");
  if (!deviceCode) throw missingParameter("device_code");
  const key = secretKey(deviceCode);
  const device = state.identity.deviceAuthorizations.get(key);
  if (!device || device.clientId !== app.clientId || device.tenant !== tenant.segment) {
    throw new IdentityFault(
      400,
      "bad_verification_code",
      70018,
      "The provided value for the input parameter 'device_code' is not valid.",
    );
  }
  const now = state.clock.now();
  if (now >= device.expiresAt) {
    throw new IdentityFault(400, "expired_token", 70019, "Verification code expired.");
  }
  if (device.status === "declined") {
    throw new IdentityFault(
      400,
      "authorization_declined",
      65004,
      "User declined to consent to access the app.",
    );
  }
  if (device.status === "pending") {
    const lastPoll = device.lastPollAt;
    device.lastPollAt = now;
    // RFC 8628 §3.5: a client polling faster than `interval` is told to slow down. Timers fire a
    // little early or late, so only a poll well inside the interval counts as too fast.
    if (lastPoll !== undefined && now - lastPoll < state.options.deviceCodeInterval * 1000 * 0.8) {
      throw new IdentityFault(
        400,
        "slow_down",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling, more slowly.",
      );
    }
    throw new IdentityFault(
      400,
      "authorization_pending",
      70016,
      "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    );
  }
  const account = device.accountId ? accountById(device.accountId) : undefined;
  const grant = device.grantId ? state.identity.grants.get(device.grantId) : undefined;
  if (!account) throw new IdentityFault(400, "bad_verification_code", 70018, "The device code is not valid.");
  if (!grant || grant.revokedAt !== undefined) throw grantRevokedFault(grant, account, device.issuedAt);
  // A device code is good for one set of tokens, like an authorization code.
  state.identity.deviceAuthorizations.delete(key);
  return {
    grant,
    account,
    clientId: app.clientId,
    requestedScopes: device.scopes,
    withRefreshToken: device.scopes.includes("offline_access"),
  };
}
