import type { FastifyInstance } from "fastify";
import { createApiKey, InvalidKeyNameError, listApiKeys, revokeApiKey } from "../../apiKeys.ts";
import { createLoginLink } from "../../loginLinks.ts";
import {
  createUser,
  getUserByName,
  InvalidUserNameError,
  listUsers,
  USER_NAME_PATTERN,
  type User,
  UserExistsError,
} from "../../users.ts";
import { authenticator } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { HttpError } from "../httpError.ts";
import { iso } from "../isoTime.ts";
import { loginLinkUrl } from "../loginLinkUrl.ts";

// Patterns, not just lengths: PostgreSQL refuses a NUL in a text parameter, so an unchecked `%00` in the URL reached
// the query and came back as a 500. A name no user can have, or a key id no key can have, is a 400 up front.
const USER_PARAMS = {
  type: "object",
  properties: {
    user: { type: "string", minLength: 1, maxLength: 64, pattern: USER_NAME_PATTERN.source },
    keyId: { type: "string", maxLength: 64, pattern: "^[0-9a-f]{16}$" },
  },
} as const;

/**
 * Admin API, for an admin user's API key (or an admin's page session): users, their API keys and login links.
 * Users are addressed by name, as the CLI names them. Secrets (a new key, a login link) are in the response once.
 */
export function adminRoutes(ctx: BrokerContext) {
  const { authenticateAdmin } = authenticator(ctx);

  async function userNamed(name: string): Promise<User> {
    const user = await getUserByName(ctx.db, name);
    if (user === undefined)
      throw new HttpError(404, "not_found", `There is no user named "${name.slice(0, 64)}".`);
    return user;
  }

  return async (app: FastifyInstance) => {
    // onRequest: credentials are checked before the body is even read or validated.
    app.addHook("onRequest", authenticateAdmin);

    app.get("/api/v1/admin/users", async () => ({ users: (await listUsers(ctx.db)).map(publicUser) }));

    app.post(
      "/api/v1/admin/users",
      {
        schema: {
          body: {
            type: "object",
            additionalProperties: false,
            required: ["name"],
            properties: { name: { type: "string", maxLength: 64 }, isAdmin: { type: "boolean" } },
          },
        },
      },
      async (request, reply) => {
        const body = request.body as { name: string; isAdmin?: boolean };
        try {
          const user = await createUser(ctx.db, { name: body.name, isAdmin: body.isAdmin ?? false });
          return reply.code(201).send({ user: publicUser(user) });
        } catch (error) {
          if (error instanceof UserExistsError) throw new HttpError(409, "conflict", error.message);
          if (error instanceof InvalidUserNameError)
            throw new HttpError(400, "invalid_request", error.message);
          throw error;
        }
      },
    );

    app.get("/api/v1/admin/users/:user/keys", { schema: { params: USER_PARAMS } }, async (request) => {
      const user = await userNamed((request.params as { user: string }).user);
      const keys = await listApiKeys(ctx.db, user.id);
      return {
        keys: keys.map((k) => ({
          id: k.id,
          name: k.name,
          createdAt: iso(k.createdAt),
          lastUsedAt: k.lastUsedAt === null ? null : iso(k.lastUsedAt),
          revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
        })),
      };
    });

    app.post(
      "/api/v1/admin/users/:user/keys",
      {
        schema: {
          params: USER_PARAMS,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["name"],
            properties: { name: { type: "string", maxLength: 100 } },
          },
        },
      },
      async (request, reply) => {
        const user = await userNamed((request.params as { user: string }).user);
        try {
          const created = await createApiKey(ctx.db, {
            userId: user.id,
            name: (request.body as { name: string }).name,
          });
          return reply.code(201).send({
            key: {
              id: created.apiKey.id,
              name: created.apiKey.name,
              createdAt: iso(created.apiKey.createdAt),
            },
            // Shown once: only its hash is stored.
            token: created.token,
          });
        } catch (error) {
          if (error instanceof InvalidKeyNameError)
            throw new HttpError(400, "invalid_request", error.message);
          throw error;
        }
      },
    );

    app.delete(
      "/api/v1/admin/users/:user/keys/:keyId",
      { schema: { params: USER_PARAMS } },
      async (request, reply) => {
        const params = request.params as { user: string; keyId: string };
        const user = await userNamed(params.user);
        const revoked = await revokeApiKey(ctx.db, { userId: user.id, keyId: params.keyId });
        if (!revoked) {
          throw new HttpError(
            404,
            "not_found",
            `User "${user.name}" has no active API key ${params.keyId.slice(0, 64)}.`,
          );
        }
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/v1/admin/users/:user/login-links",
      {
        schema: {
          params: USER_PARAMS,
          body: { type: "object", additionalProperties: false, properties: {} },
        },
      },
      async (request, reply) => {
        const user = await userNamed((request.params as { user: string }).user);
        const link = await createLoginLink(ctx.db, { userId: user.id });
        return reply
          .code(201)
          .send({ url: loginLinkUrl(ctx.config, link.token), expiresAt: iso(link.expiresAt) });
      },
    );
  };
}

function publicUser(user: User) {
  return { id: user.id, name: user.name, isAdmin: user.isAdmin, createdAt: iso(user.createdAt) };
}
