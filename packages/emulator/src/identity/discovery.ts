import type { EmulatorState } from "../state.ts";
import { DEVICE_CODE_GRANT } from "./deviceCode.ts";
import { IdentityFault } from "./identityError.ts";
import { jwks } from "./idToken.ts";
import { resolveTenant, type Tenant } from "./tenants.ts";

/**
 * The issuer a tenant's metadata names. For `common` and `organizations` Microsoft keeps the
 * literal `{tenantid}` template, since tokens come from whichever directory the user belongs to;
 * OpenID Connect libraries therefore cannot validate issuer equality for those two, which is
 * expected of Microsoft's multi-tenant endpoints. `consumers` is one directory and names it.
 */
export function metadataIssuer(origin: string, tenant: Tenant): string {
  return `${origin}/${tenant.tenantId ?? "{tenantid}"}/v2.0`;
}

/**
 * `GET /{tenant}/v2.0/.well-known/openid-configuration`, in the shape Microsoft publishes, every
 * endpoint and the issuer on `origin`, the one the request was addressed to. MSAL checks that the
 * issuer is on its authority's scheme, host and port, and calls the token endpoint as given.
 */
export function openidConfiguration(origin: string, tenant: Tenant) {
  const base = `${origin}/${tenant.segment}`;
  const host = new URL(origin).host;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: metadataIssuer(origin, tenant),
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    grant_types_supported: ["authorization_code", "refresh_token", DEVICE_CODE_GRANT],
    // Microsoft does not publish this field although it supports both; libraries look for it before using PKCE.
    code_challenge_methods_supported: ["plain", "S256"],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "nbf",
      "nonce",
      "ver",
      "tid",
      "oid",
      "name",
      "preferred_username",
      "email",
    ],
    tenant_region_scope: null,
    cloud_instance_name: host,
    cloud_graph_host_name: host,
    msgraph_host: host,
  };
}

/** `GET /{tenant}/discovery/v2.0/keys` */
export function keySet(state: EmulatorState, origin: string, tenant: Tenant) {
  return jwks(state, metadataIssuer(origin, tenant));
}

/**
 * `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…`, the instance
 * discovery MSAL runs before it trusts an authority: the host's aliases, which one to call
 * (`preferred_network`) and which one names accounts in the cache (`preferred_cache`). Microsoft
 * answers for its own clouds and `invalid_instance` (AADSTS50049) for any other host; the emulator
 * knows one host, the one it was called on. MSAL fetches this from login.microsoftonline.com
 * itself, so a client of the emulator fetches it here and passes it as `cloudDiscoveryMetadata`,
 * as Microsoft documents for apps that supply instance metadata themselves.
 */
export function instanceDiscovery(origin: string, query: URLSearchParams) {
  const host = new URL(origin).host;
  const endpoint = query.get("authorization_endpoint");
  let tenant = "common";
  if (endpoint !== null) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    const segment = url?.pathname.split("/")[1] ?? "";
    if (url?.origin !== origin || !resolveTenant(segment)) {
      throw new IdentityFault(400, "invalid_instance", 50049, "Unknown or invalid instance.");
    }
    tenant = segment;
  }
  return {
    tenant_discovery_endpoint: `${origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
