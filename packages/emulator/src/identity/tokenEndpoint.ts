import type { FastifyReply, FastifyRequest } from "fastify";
import { readForm } from "../http.ts";
import type { EmulatorState } from "../state.ts";
import { redeemAuthorizationCode } from "./authorizationCode.ts";
import { authenticateClient } from "./clientAuth.ts";
import { DEVICE_CODE_GRANT, DEVICE_CODE_GRANT_SHORT, redeemDeviceCode } from "./deviceCode.ts";
import { IdentityFault, missingParameter } from "./identityError.ts";
import { redeemRefreshToken } from "./refreshToken.ts";
import { requireTenant } from "./tenants.ts";
import { tokenResponseBody } from "./tokenResponse.ts";

const GRANTS = {
  authorization_code: redeemAuthorizationCode,
  refresh_token: redeemRefreshToken,
  [DEVICE_CODE_GRANT]: redeemDeviceCode,
  // MSAL (every language) polls with the short form; Microsoft's token endpoint takes both.
  [DEVICE_CODE_GRANT_SHORT]: redeemDeviceCode,
};

/** `POST /{tenant}/oauth2/v2.0/token` */
export async function tokenPost(
  state: EmulatorState,
  request: FastifyRequest<{ Params: { tenant: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const tenant = requireTenant(request.params.tenant);
  const form = await readForm(request);
  const grantType = form.get("grant_type");
  if (!grantType) throw missingParameter("grant_type");
  const redeem = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType as keyof typeof GRANTS] : undefined;
  if (!redeem) {
    throw new IdentityFault(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }
  const app = authenticateClient(state.identity, request, form, tenant);
  const body = tokenResponseBody(
    state,
    { origin: request.origin, clientInfo: form.get("client_info") === "1" },
    redeem(state, form, app, tenant),
  );
  // One grant type under two names counts once, under the name RFC 8628 gives it.
  state.counters.grant(grantType === DEVICE_CODE_GRANT_SHORT ? DEVICE_CODE_GRANT : grantType);
  // RFC 6749 §5.1: token responses must never be cached.
  return reply
    .header("content-type", "application/json; charset=utf-8")
    .header("cache-control", "no-store, no-cache")
    .header("pragma", "no-cache")
    .send(body);
}
