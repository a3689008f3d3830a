/**
 * Why a request is refused, in Graph's error vocabulary: the HTTP status, Graph's `error.code`
 * (`itemNotFound`, `nameAlreadyExists`, `quotaLimitReached`, …) and an optional `innerError.code`.
 * It lives here, outside every area, because the drive model, storage, chaos and the Graph handlers
 * all refuse things the same way; `graph/graphError.ts` turns it into Graph's error JSON.
 */

export interface GraphErrorOptions {
  /** Goes to `innerError.code`, as Graph does for e.g. `fragmentOverlap` or `nameContainsInvalidCharacters`. */
  innerCode?: string;
  /** Seconds, sent as `Retry-After`; may be decimal as Graph's are. */
  retryAfter?: number;
  headers?: Record<string, string>;
  /** More `innerError` fields, e.g. a nested `innerError` (scripted faults). */
  innerError?: Record<string, unknown>;
}

/** Raised by the drive model and by handlers; the Graph error handler answers it as Graph's error JSON. */
export class GraphFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: GraphErrorOptions = {},
  ) {
    super(message);
  }
}
