import type { FastifyInstance } from "fastify";

/**
 * Lets the routes of one plugin scope take the body of an HTML form (`application/x-www-form-urlencoded`), as the
 * broker's own server-rendered pages post it (sign in, continue to Microsoft, confirm a connection). Registered per
 * scope, so every API route still takes JSON only. A form here holds a few short fields.
 */
export function registerFormParser(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 2048 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
}

/** A one-time token in a URL or a form field: the route decides whether it is one; anything longer is not. */
export const TOKEN_FIELD = { type: "string", maxLength: 256 } as const;

/** The body of a form that posts one token back (Sign in, Continue to Microsoft). */
export const TOKEN_FORM = {
  type: "object",
  required: ["token"],
  additionalProperties: false,
  properties: { token: TOKEN_FIELD },
} as const;
