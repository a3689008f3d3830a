// The routes of the contract, each with what it takes and what it answers, so a client names a route and gets its
// types rather than writing them out: a client that disagreed with the broker would have to say so in a cast.

import type {
  ConnectRequest,
  ConnectStarted,
  DeviceFlowProgress,
  DeviceRequest,
  DeviceStarted,
} from "./connect.ts";
import type { FileRoutes } from "./files.ts";
import type { Disconnected, IntegrationList } from "./integrations.ts";
import type { SecretDeleted, SecretList, SecretSaved, SecretValue, SetSecretRequest } from "./secrets.ts";
import type { LogoutRequest, Me, Session } from "./session.ts";
import type { MintedToken, TokenRequest } from "./token.ts";

/** `body`: the JSON the route takes (`undefined`: none); `response`: its 2xx JSON (`undefined`: 204, no body). */
export interface ApiRoutes extends FileRoutes {
  "GET /api/v1/integrations": { body: undefined; response: IntegrationList };
  "POST /api/v1/integrations/onedrive/connect": { body: ConnectRequest; response: ConnectStarted };
  "POST /api/v1/integrations/onedrive/device": { body: DeviceRequest; response: DeviceStarted };
  "GET /api/v1/integrations/onedrive/device": { body: undefined; response: DeviceFlowProgress };
  "POST /api/v1/integrations/onedrive/token": { body: TokenRequest; response: MintedToken };
  "DELETE /api/v1/integrations/onedrive": { body: undefined; response: Disconnected };
  "GET /api/v1/session": { body: undefined; response: Session };
  "GET /api/v1/me": { body: undefined; response: Me };
  "POST /api/v1/logout": { body: LogoutRequest; response: undefined };
  "GET /api/v1/secrets": { body: undefined; response: SecretList };
  "GET /api/v1/secrets/:name": { body: undefined; response: SecretValue };
  "PUT /api/v1/secrets/:name": { body: SetSecretRequest; response: SecretSaved };
  "DELETE /api/v1/secrets/:name": { body: undefined; response: SecretDeleted };
}

export type ApiMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A route's path with each `:param` segment (`/api/v1/secrets/:name`) as any text: the path a client sends. */
type Concrete<P extends string> = P extends `${infer Head}/:${string}/${infer Tail}`
  ? `${Head}/${string}/${Concrete<Tail>}`
  : P extends `${infer Head}/:${string}`
    ? `${Head}/${string}`
    : P;

/** The paths of `method`'s routes; a query string may follow (`/api/v1/integrations?check=1`). */
export type ApiPath<M extends ApiMethod> = {
  [K in keyof ApiRoutes]: K extends `${M} ${infer P}` ? Concrete<P> | `${Concrete<P>}?${string}` : never;
}[keyof ApiRoutes];

/** The route a sent path belongs to: the literal one when there is one, else the pattern it matches. */
type RouteOf<M extends ApiMethod, P extends string> = RouteFor<
  M,
  P extends `${infer Base}?${string}` ? Base : P
>;
type RouteFor<M extends ApiMethod, Path extends string> = `${M} ${Path}` extends keyof ApiRoutes
  ? `${M} ${Path}`
  : {
      [K in keyof ApiRoutes]: K extends `${M} ${infer Pattern}`
        ? Path extends Concrete<Pattern>
          ? K
          : never
        : never;
    }[keyof ApiRoutes];

/** What `method path` takes as its JSON body. */
export type ApiRequestBody<M extends ApiMethod, P extends ApiPath<M>> = ApiRoutes[RouteOf<M, P>]["body"];

/** What `method path` answers with a 2xx. */
export type ApiResponse<M extends ApiMethod, P extends ApiPath<M>> = ApiRoutes[RouteOf<M, P>]["response"];
