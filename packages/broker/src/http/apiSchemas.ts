// The JSON of the broker's API as TypeBox schemas: Fastify validates every request body with them and writes every
// answer through them (fast-json-stringify: a field the schema does not name is never sent, a required one missing
// is an error rather than a silent gap), and the type provider checks each handler's return against them. The
// checks at the end prove at compile time that each schema is exactly the type in @ferry/api, which the `ferry`
// client, the CLI and the page import: change a field on either side and the build names the other. Errors are
// HttpError's, typed by @ferry/api's ApiErrorBody (httpError.ts).

import type * as Api from "@ferry/api";
import Type, { type Static, type TSchema } from "typebox";
import { FILE_ROUTES } from "./filesSchemas.ts";
import { SECRETS_ROUTES } from "./secretsSchemas.ts";

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const isoTime = () => Type.String({ format: "date-time" });
/**
 * A request that takes no fields: `{}` or no body at all (buildApp turns a missing body into `{}`). TypeBox's type
 * for an empty object is `object`, which would let a client name any field; the wire allows none.
 */
const noFields = () => Type.Unsafe<Record<string, never>>(Type.Object({}, { additionalProperties: false }));

export const ConnectedAccount = Type.Object({
  email: nullable(Type.String()),
  name: nullable(Type.String()),
});

const deviceFlowStatus = () =>
  Type.Union([
    Type.Literal("pending"),
    Type.Literal("connected"),
    Type.Literal("declined"),
    Type.Literal("expired"),
    Type.Literal("failed"),
  ]);

export const DeviceFlowState = Type.Object({
  status: deviceFlowStatus(),
  expiresAt: isoTime(),
  detail: nullable(Type.String()),
});

export const Integration = Type.Object({
  provider: Type.Literal("onedrive"),
  status: Type.Union([
    Type.Literal("connected"),
    Type.Literal("disconnected"),
    Type.Literal("needs_reconnect"),
  ]),
  account: nullable(ConnectedAccount),
  scopes: Type.Array(Type.String()),
  requestedScopes: Type.Array(Type.String()),
  connectedAt: nullable(isoTime()),
  lastRefreshAt: nullable(isoTime()),
  lastError: nullable(Type.String()),
  deviceFlow: nullable(DeviceFlowState),
});

export const IntegrationList = Type.Object({ integrations: Type.Array(Integration) });

export const Disconnected = Type.Object({
  disconnected: Type.Boolean(),
  message: Type.String(),
  removeAccess: Type.Object({ personal: Type.String(), workOrSchool: Type.String() }),
});

export const ConnectRequest = Type.Object(
  { loginHint: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  { additionalProperties: false },
);

export const ConnectStarted = Type.Object({ authorizationUrl: Type.String(), expiresAt: isoTime() });

export const DeviceRequest = noFields();

export const DeviceStarted = Type.Object({
  userCode: Type.String(),
  verificationUri: Type.String(),
  expiresAt: isoTime(),
  interval: Type.Number(),
  message: Type.String(),
});

export const DeviceFlowProgress = Type.Union([
  DeviceFlowState,
  Type.Object({ status: Type.Literal("none"), expiresAt: Type.Null(), detail: Type.Null() }),
]);

/** `staleExpiresAt`: the expiry of a token Graph refused, so the broker replaces it (see TokenMinter.mint). */
export const TokenRequest = Type.Object(
  { staleExpiresAt: Type.Optional(isoTime()) },
  { additionalProperties: false },
);

export const MintedToken = Type.Object({
  accessToken: Type.String(),
  expiresAt: isoTime(),
  scope: Type.String(),
  account: ConnectedAccount,
});

const ApiUser = Type.Object({ id: Type.String(), name: Type.String(), isAdmin: Type.Boolean() });
const authenticatedVia = () => Type.Union([Type.Literal("api_key"), Type.Literal("session")]);

export const Session = Type.Object({
  user: ApiUser,
  via: authenticatedVia(),
  csrfToken: nullable(Type.String()),
});

export const Me = Type.Object({ user: ApiUser, via: authenticatedVia(), keyId: nullable(Type.String()) });

export const LogoutRequest = noFields();

/**
 * Each route's schemas, in the shape of Fastify's route `schema` option: a route file writes
 * `schema: API_ROUTES["POST /api/v1/integrations/onedrive/token"]`. The keys are @ferry/api's ApiRoutes, checked below.
 */
export const API_ROUTES = {
  "GET /api/v1/integrations": {
    querystring: Type.Object({ check: Type.Optional(Type.Literal("1")) }, { additionalProperties: false }),
    response: { 200: IntegrationList },
  },
  "POST /api/v1/integrations/onedrive/connect": { body: ConnectRequest, response: { 200: ConnectStarted } },
  "POST /api/v1/integrations/onedrive/device": { body: DeviceRequest, response: { 200: DeviceStarted } },
  "GET /api/v1/integrations/onedrive/device": { response: { 200: DeviceFlowProgress } },
  "POST /api/v1/integrations/onedrive/token": { body: TokenRequest, response: { 200: MintedToken } },
  "DELETE /api/v1/integrations/onedrive": { response: { 200: Disconnected } },
  "GET /api/v1/session": { response: { 200: Session } },
  "GET /api/v1/me": { response: { 200: Me } },
  "POST /api/v1/logout": { body: LogoutRequest },
  ...SECRETS_ROUTES,
  ...FILE_ROUTES,
} as const;

/** True when each of A and B is assignable to the other: same fields, same optionality, same nullability. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

/** Fails to compile, naming the schema, when a schema and its @ferry/api type disagree. */
export type ContractHolds = [
  Holds<Same<Static<typeof ConnectedAccount>, Api.ConnectedAccount>>,
  Holds<Same<Static<typeof DeviceFlowState>, Api.DeviceFlowState>>,
  Holds<Same<Static<typeof Integration>, Api.Integration>>,
  Holds<Same<Static<typeof IntegrationList>, Api.IntegrationList>>,
  Holds<Same<Static<typeof Disconnected>, Api.Disconnected>>,
  Holds<Same<Static<typeof ConnectRequest>, Api.ConnectRequest>>,
  Holds<Same<Static<typeof ConnectStarted>, Api.ConnectStarted>>,
  Holds<Same<Static<typeof DeviceRequest>, Api.DeviceRequest>>,
  Holds<Same<Static<typeof DeviceStarted>, Api.DeviceStarted>>,
  Holds<Same<Static<typeof DeviceFlowProgress>, Api.DeviceFlowProgress>>,
  Holds<Same<Static<typeof TokenRequest>, Api.TokenRequest>>,
  Holds<Same<Static<typeof MintedToken>, Api.MintedToken>>,
  Holds<Same<Static<typeof Session>, Api.Session>>,
  Holds<Same<Static<typeof Me>, Api.Me>>,
  Holds<Same<Static<typeof LogoutRequest>, Api.LogoutRequest>>,
  Holds<Same<{ [K in keyof typeof API_ROUTES]: RouteTypes<(typeof API_ROUTES)[K]> }, Api.ApiRoutes>>,
];

/** A route's schemas as @ferry/api states a route: its body and its 2xx answer, `undefined` where it has none. */
type RouteTypes<R> = {
  body: R extends { body: infer B extends TSchema } ? Static<B> : undefined;
  response: R extends { response: { 200: infer S extends TSchema } } ? Static<S> : undefined;
};
