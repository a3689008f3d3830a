import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { GraphFault } from "../fault.ts";
import { rawQuery, readForm } from "../http.ts";
import type { EmulatorState } from "../state.ts";
import { authorizeGet, consentPost, signInPost } from "./authorize.ts";
import { startDeviceAuthorization } from "./deviceCode.ts";
import { deviceLoginGet, deviceLoginPost } from "./deviceLogin.ts";
import { instanceDiscovery, keySet, openidConfiguration } from "./discovery.ts";
import { IdentityFault, sendIdentityError } from "./identityError.ts";
import { requireTenant } from "./tenants.ts";
import { tokenPost } from "./tokenEndpoint.ts";

type TenantRequest = FastifyRequest<{ Params: { tenant: string } }>;

/**
 * The Microsoft identity platform v2.0 endpoints, under `/{tenant}/…` as on
 * login.microsoftonline.com, plus the device-login page.
 */
export function registerIdentityRoutes(app: FastifyInstance, state: EmulatorState): void {
  // Browser-facing: answer with pages and redirects.
  app.get("/:tenant/oauth2/v2.0/authorize", (req: TenantRequest, reply) => authorizeGet(state, req, reply));
  app.post("/:tenant/login", (req: TenantRequest, reply) => signInPost(state, req, reply));
  app.post("/:tenant/Consent/Set", (req: TenantRequest, reply) => consentPost(state, req, reply));
  app.get("/devicelogin", (req, reply) => deviceLoginGet(state, req, reply));
  app.post("/devicelogin", (req, reply) => deviceLoginPost(state, req, reply));

  // Client-facing: answer with JSON, errors in Microsoft's AADSTS format.
  const json = (handler: (req: TenantRequest, reply: FastifyReply) => Promise<unknown> | unknown) => {
    return async (req: TenantRequest, reply: FastifyReply) => {
      try {
        const body = await handler(req, reply);
        return reply.sent
          ? reply
          : reply.header("content-type", "application/json; charset=utf-8").send(body);
      } catch (err) {
        return sendIdentityError(state, req, reply, asIdentityFault(err));
      }
    };
  };
  app.post(
    "/:tenant/oauth2/v2.0/token",
    json((req, reply) => tokenPost(state, req, reply)),
  );
  app.post(
    "/:tenant/oauth2/v2.0/devicecode",
    json(async (req) =>
      startDeviceAuthorization(state, req.origin, requireTenant(req.params.tenant), await readForm(req)),
    ),
  );
  for (const endpoint of ["token", "devicecode"]) {
    app.get(
      `/:tenant/oauth2/v2.0/${endpoint}`,
      json(() => {
        throw new IdentityFault(
          400,
          "invalid_request",
          900561,
          "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
        );
      }),
    );
  }
  app.get(
    "/:tenant/v2.0/.well-known/openid-configuration",
    json((req) => openidConfiguration(req.origin, requireTenant(req.params.tenant))),
  );
  app.get(
    "/:tenant/discovery/instance",
    json((req) => {
      requireTenant(req.params.tenant);
      return instanceDiscovery(req.origin, rawQuery(req));
    }),
  );
  app.get(
    "/:tenant/discovery/v2.0/keys",
    json((req) => keySet(state, req.origin, requireTenant(req.params.tenant))),
  );
}

/** Body-size and other shared-helper failures still answer in the identity platform's format. */
function asIdentityFault(err: unknown): IdentityFault {
  if (err instanceof IdentityFault) return err;
  if (err instanceof GraphFault) return new IdentityFault(err.status, "invalid_request", 90004, err.message);
  throw err;
}
