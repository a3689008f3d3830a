import { GraphFault } from "../fault.ts";
import { odataParam } from "./paging.ts";

/**
 * OData system query options Graph defines that the emulator does not implement. They are refused
 * with 400 instead of ignored: an ignored `$filter` would hand a client the whole folder as if it
 * had been filtered, and it would learn of the difference only against Microsoft. CONFORMANCE.md
 * lists them with whether Ferry needs them.
 */
const UNIMPLEMENTED = ["filter", "search", "count", "skip", "format", "apply", "compute"];

/**
 * Throws for an unimplemented option (Graph v1.0 takes them with or without the `$`), and for
 * `$expand` anywhere but a plain GET of an item, the one place the emulator expands (`children`).
 */
export function refuseUnsupportedOptions(query: URLSearchParams, expandAllowed: boolean): void {
  for (const name of UNIMPLEMENTED) {
    if (odataParam(query, name) !== null) throw unsupported(`$${name}`);
  }
  if (!expandAllowed && odataParam(query, "expand") !== null) throw unsupported("$expand on this request");
}

export function unsupported(what: string): GraphFault {
  return new GraphFault(
    400,
    "invalidRequest",
    `The emulator does not implement ${what}; see CONFORMANCE.md for what it implements and what it does not.`,
  );
}
