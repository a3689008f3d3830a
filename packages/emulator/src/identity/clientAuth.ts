import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { AppRegistration } from "../options.ts";
import { IdentityFault, missingParameter } from "./identityError.ts";
import type { IdentityStore } from "./identityStore.ts";
import type { Tenant } from "./tenants.ts";

/**
 * Identifies the app calling `/token` and checks its credentials. A confidential app (one with a
 * secret) must present it, in the body (`client_secret`) or as HTTP Basic as RFC 6749 §2.3.1
 * allows; a public app must present none, as Microsoft enforces (AADSTS700025).
 */
export function authenticateClient(
  identity: IdentityStore,
  request: FastifyRequest,
  form: URLSearchParams,
  tenant: Tenant,
): AppRegistration {
  const basic = basicCredentials(request.headers.authorization);
  const bodyId = form.get("client_id") ?? undefined;
  if (basic && bodyId !== undefined && basic.id !== bodyId) {
    throw new IdentityFault(
      400,
      "invalid_request",
      90023,
      "The client_id in the request body does not match the client in the Authorization header.",
    );
  }
  const clientId = basic?.id ?? bodyId;
  if (!clientId) throw missingParameter("client_id");
  const app = identity.apps.get(clientId);
  if (!app) {
    throw new IdentityFault(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.segment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const secret = basic?.secret ?? form.get("client_secret") ?? undefined;
  if (app.clientSecret === undefined) {
    if (secret !== undefined || form.has("client_assertion")) {
      throw new IdentityFault(
        401,
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      );
    }
    return app;
  }
  if (secret === undefined) {
    throw new IdentityFault(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  if (!sameSecret(secret, app.clientSecret)) {
    throw new IdentityFault(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    );
  }
  return app;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
