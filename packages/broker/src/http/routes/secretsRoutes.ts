import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { MAX_SECRET_VALUE_BYTES, SecretError, type SecretErrorCode } from "../../secrets/secretRules.ts";
import { type SecretActor, type SecretInfo, SecretStore } from "../../secrets/secretStore.ts";
import { VaultError } from "../../vault.ts";
import { API_ROUTES } from "../apiSchemas.ts";
import { type AuthContext, authenticator, requireAuth } from "../authenticate.ts";
import type { BrokerContext } from "../context.ts";
import { HttpError } from "../httpError.ts";
import { iso } from "../isoTime.ts";

/**
 * A 64 KiB value as a JSON string: escaping can make each byte six characters (`\u0001`), plus the field around it.
 * The value's own limit is checked on the decoded text (secretRules.ts), with a message; this only bounds the read.
 */
const SET_BODY_LIMIT_BYTES = MAX_SECRET_VALUE_BYTES * 6 + 1024;

const STATUS: Record<SecretErrorCode, number> = {
  invalid_secret_name: 400,
  invalid_secret_value: 400,
  secret_too_large: 413,
  secret_not_found: 404,
  secret_limit_reached: 409,
};

/**
 * /api/v1/secrets: list, set and delete with the page's session (CSRF-checked by the authenticator) or an API key;
 * read a value with an API key only. The page is write-only on purpose: a value it cannot fetch cannot be taken by
 * a script running in it (an XSS, a malicious extension) or read over a shoulder; `ferry secrets get` is the
 * deliberate way to see one.
 */
export function secretsRoutes(ctx: BrokerContext) {
  const { authenticate } = authenticator(ctx);
  const store = new SecretStore(ctx.db, ctx.vault);
  return async (instance: FastifyInstance) => {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      "/api/v1/secrets",
      { onRequest: authenticate, schema: API_ROUTES["GET /api/v1/secrets"] },
      async (request) => {
        const { user } = requireAuth(request);
        return { secrets: (await store.list(user.id)).map(summary) };
      },
    );

    app.get(
      "/api/v1/secrets/:name",
      { onRequest: authenticate, schema: API_ROUTES["GET /api/v1/secrets/:name"] },
      async (request) => {
        const auth = requireAuth(request);
        if (auth.via !== "api_key") {
          throw new HttpError(
            403,
            "secret_write_only",
            "Secret values are write-only on the page: it can replace or delete a secret, never show it. Read one with `ferry secrets get NAME` or getSecret() in a job.",
          );
        }
        const secret = await secretCall(() => store.read(auth.user.id, request.params.name));
        request.log.info({ userId: auth.user.id, secretName: secret.name }, "secret read");
        return { name: secret.name, value: secret.value, updatedAt: iso(secret.updatedAt) };
      },
    );

    app.put(
      "/api/v1/secrets/:name",
      {
        onRequest: authenticate,
        bodyLimit: SET_BODY_LIMIT_BYTES,
        schema: API_ROUTES["PUT /api/v1/secrets/:name"],
      },
      async (request) => {
        const auth = requireAuth(request);
        const saved = await secretCall(() =>
          store.set(actorOf(auth), request.params.name, request.body.value),
        );
        request.log.info(
          { userId: auth.user.id, secretName: saved.secret.name, created: saved.created },
          "secret set",
        );
        return { secret: summary(saved.secret), created: saved.created };
      },
    );

    app.delete(
      "/api/v1/secrets/:name",
      { onRequest: authenticate, schema: API_ROUTES["DELETE /api/v1/secrets/:name"] },
      async (request) => {
        const auth = requireAuth(request);
        const name = request.params.name;
        await secretCall(() => store.delete(actorOf(auth), name));
        request.log.info({ userId: auth.user.id, secretName: name }, "secret deleted");
        return { deleted: true as const, name };
      },
    );
  };
}

function summary(secret: SecretInfo) {
  return { name: secret.name, createdAt: iso(secret.createdAt), updatedAt: iso(secret.updatedAt) };
}

function actorOf(auth: AuthContext): SecretActor {
  return { userId: auth.user.id, via: auth.via, apiKeyId: auth.apiKeyId };
}

/** The store's refusals as API errors with their own codes; a value the vault cannot open, said for secrets. */
async function secretCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SecretError) throw new HttpError(STATUS[error.code], error.code, error.message);
    if (error instanceof VaultError) {
      throw new HttpError(
        500,
        "vault_unreadable",
        error.code === "unknown_key"
          ? `The secret was encrypted with master key ${error.keyId ?? "(unknown)"}, which this broker does not have: add it to FERRY_MASTER_KEY (after the newest key), or set the secret again.`
          : "The stored secret could not be decrypted (it was altered or copied from another record): set it again.",
      );
    }
    throw error;
  }
}
