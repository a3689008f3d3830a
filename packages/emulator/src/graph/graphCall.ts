import type { FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "../accounts.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import type { AccessClaims } from "../identity/accessToken.ts";
import type { EmulatorState } from "../state.ts";
import type { GraphTarget } from "./addressing.ts";

/** Everything a Graph handler gets: the authenticated caller, what the URL names, the query. */
export interface GraphCall<T extends GraphTarget = GraphTarget> {
  state: EmulatorState;
  request: FastifyRequest;
  reply: FastifyReply;
  account: Account;
  claims: AccessClaims;
  target: T;
  query: URLSearchParams;
}

export type ItemCall = GraphCall<Extract<GraphTarget, { kind: "item" }>>;

/** A handler answers by returning a JSON body (sent with status 200 unless it set one) or by using `reply` itself. */
export type GraphHandler<T extends GraphTarget = GraphTarget> = (
  call: GraphCall<T>,
) => Promise<unknown> | unknown;

/** For handlers: the item the URL names, or Graph's 404. */
export function requireItem(call: ItemCall): ItemRecord {
  const { item, missing } = call.target;
  if (!item) {
    throw new GraphFault(
      404,
      "itemNotFound",
      `The resource could not be found: '${missing.join("/")}' does not exist.`,
    );
  }
  return item;
}
