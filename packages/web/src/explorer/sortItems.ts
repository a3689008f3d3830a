import type { FileEntry } from "@ferry/api";

export type SortKey = "name" | "size" | "modified";
export interface Sort {
  key: SortKey;
  descending: boolean;
}

// Numeric collation, as file managers sort: "file2" before "file10".
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Folders first, whatever the order; then by the key, ties by name. */
export function sortItems(items: readonly FileEntry[], sort: Sort): FileEntry[] {
  const sign = sort.descending ? -1 : 1;
  const byKey = (a: FileEntry, b: FileEntry): number => {
    if (sort.key === "size") return a.size - b.size;
    if (sort.key === "modified") return (a.modifiedAt ?? "").localeCompare(b.modifiedAt ?? "");
    return collator.compare(a.name, b.name);
  };
  return [...items].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "folder" ? -1 : 1;
    return sign * byKey(a, b) || collator.compare(a.name, b.name);
  });
}
