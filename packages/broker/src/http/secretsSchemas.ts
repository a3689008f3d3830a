// The secrets routes' JSON as TypeBox schemas, spread into apiSchemas.ts's API_ROUTES (which checks the routes'
// types against @ferry/api); each schema is checked against its @ferry/api type here.

import type * as Api from "@ferry/api";
import Type, { type Static } from "typebox";

const isoTime = () => Type.String({ format: "date-time" });

export const SecretSummary = Type.Object({ name: Type.String(), createdAt: isoTime(), updatedAt: isoTime() });
export const SecretList = Type.Object({ secrets: Type.Array(SecretSummary) });
// No length limits here: secretRules.ts refuses a bad value with its own code and a message that says what to do.
export const SetSecretRequest = Type.Object({ value: Type.String() }, { additionalProperties: false });
export const SecretSaved = Type.Object({ secret: SecretSummary, created: Type.Boolean() });
export const SecretValue = Type.Object({ name: Type.String(), value: Type.String(), updatedAt: isoTime() });
export const SecretDeleted = Type.Object({ deleted: Type.Literal(true), name: Type.String() });
// The name is checked by secretRules.ts (with a message), not by a pattern here (which would say only "must match").
const nameParam = Type.Object({ name: Type.String() }, { additionalProperties: false });

export const SECRETS_ROUTES = {
  "GET /api/v1/secrets": { response: { 200: SecretList } },
  "GET /api/v1/secrets/:name": { params: nameParam, response: { 200: SecretValue } },
  "PUT /api/v1/secrets/:name": { params: nameParam, body: SetSecretRequest, response: { 200: SecretSaved } },
  "DELETE /api/v1/secrets/:name": { params: nameParam, response: { 200: SecretDeleted } },
} as const;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

/** Fails to compile, naming the schema, when a schema and its @ferry/api type disagree. */
export type SecretsContractHolds = [
  Holds<Same<Static<typeof SecretSummary>, Api.SecretSummary>>,
  Holds<Same<Static<typeof SecretList>, Api.SecretList>>,
  Holds<Same<Static<typeof SetSecretRequest>, Api.SetSecretRequest>>,
  Holds<Same<Static<typeof SecretSaved>, Api.SecretSaved>>,
  Holds<Same<Static<typeof SecretValue>, Api.SecretValue>>,
  Holds<Same<Static<typeof SecretDeleted>, Api.SecretDeleted>>,
];
