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
