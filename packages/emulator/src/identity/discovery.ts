import type { EmulatorState } from "../state.ts";
import { DEVICE_CODE_GRANT } from "./deviceCode.ts";
import { jwks } from "./idToken.ts";
import type { Tenant } from "./tenants.ts";

/**
 * The issuer a tenant's metadata names. For `common` and `organizations` Microsoft keeps the
 * literal `{tenantid}` template, since tokens come from whichever directory the user belongs to;
 * OpenID Connect libraries therefore cannot validate issuer equality for those two, which is
 * expected of Microsoft's multi-tenant endpoints. `consumers` is one directory and names it.
 */
export function metadataIssuer(state: EmulatorState, tenant: Tenant): string {
  return `${state.origin}/${tenant.tenantId ?? "{tenantid}"}/v2.0`;
}

/** `GET /{tenant}/v2.0/.well-known/openid-configuration`, in the shape Microsoft publishes. */
export function openidConfiguration(state: EmulatorState, tenant: Tenant) {
  const base = `${state.origin}/${tenant.segment}`;
  const host = new URL(state.origin).host;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: metadataIssuer(state, tenant),
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
export function keySet(state: EmulatorState, tenant: Tenant) {
  return jwks(state, metadataIssuer(state, tenant));
}
