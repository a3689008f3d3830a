// Path text helpers that need no filesystem, kept apart from locations.ts so that commands can use
// them without loading the OneDrive stack.

import type { Location } from "./locations.ts";

/** How a path is shown back to the user: with its scheme on OneDrive. */
export function display(location: Pick<Location, "kind" | "path">, path = location.path): string {
  return location.kind === "onedrive" ? `onedrive://${path}` : path;
}
