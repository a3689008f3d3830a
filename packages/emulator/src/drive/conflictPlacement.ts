import { GraphFault } from "../fault.ts";
import type { ItemRecord } from "./itemRecord.ts";
import { checkName, checkPathLength } from "./names.ts";
import type { Tree } from "./tree.ts";

/** Graph's `@microsoft.graph.conflictBehavior`: what happens when the name is already taken. */
export type ConflictBehavior = "fail" | "replace" | "rename";

/** Where an item goes in a folder: the name it takes and, under `replace`, the item it takes the place of. */
export interface Placement {
  name: string;
  replaces: ItemRecord | undefined;
}

/** An existing item arriving in a folder: moved there (PATCH) or copied there. */
export interface Arrival {
  item: ItemRecord;
  move: boolean;
}

/**
 * Places `name` in `folder` by Graph's conflictBehavior: `fail` → 409 nameAlreadyExists,
 * `replace` → the item at that name is to be replaced, `rename` → the first free "name n.ext".
 * The name and the path are checked against OneDrive's limits as asked for and again after a
 * rename, whose " n" makes both longer. For an arriving item every path below it must fit too.
 * Nothing changes here: the caller applies the placement, so a refusal leaves the drive as it was.
 */
export function placeItem(
  tree: Tree,
  folder: ItemRecord,
  name: string,
  conflict: ConflictBehavior,
  arriving?: Arrival,
): Placement {
  // The 400-character limit applies to every path the placement produces, not just the item's own.
  const below = arriving ? tree.longestPathBelow(arriving.item) : "";
  checkFits(tree, folder, name, below);
  const clash = tree.child(folder, name);
  // A move may change only the case of its own name: the item is no clash with itself.
  if (!clash || (arriving?.move && clash.id === arriving.item.id)) return { name, replaces: undefined };
  // Replacing would delete the arriving item along with the folder that holds it.
  if (conflict === "fail" || (conflict === "replace" && arriving && tree.isAncestor(clash, arriving.item))) {
    throw new GraphFault(
      409,
      "nameAlreadyExists",
      `The specified item name already exists: '${clash.name}'.`,
    );
  }
  if (conflict === "replace") return { name, replaces: clash };
  const free = freeName(tree, folder, name);
  checkFits(tree, folder, free, below);
  return { name: free, replaces: undefined };
}

function checkFits(tree: Tree, folder: ItemRecord, name: string, below: string): void {
  checkName(name, tree.driveType);
  checkPathLength(["", ...tree.pathOf(folder), name].join("/") + below);
}

/** Graph's rename rule for conflictBehavior=rename: "report.csv" → "report 1.csv", "report 2.csv", … */
function freeName(tree: Tree, folder: ItemRecord, name: string): string {
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : "";
  for (let n = 1; ; n++) {
    const candidate = `${stem} ${n}${ext}`;
    if (!tree.child(folder, candidate)) return candidate;
  }
}
