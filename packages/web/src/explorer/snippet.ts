import { readerFor } from "./dataFormat.ts";

/** The `onedrive://` URL a job uses for a drive path. */
export function onedriveUrl(path: string): string {
  return `onedrive://${path}`;
}

/** A line of code that reads the item, ready to paste into a job: the reader that fits its format. */
export function snippetFor(path: string, kind: "file" | "folder"): string {
  const url = JSON.stringify(onedriveUrl(path));
  // `fs` is the current connection's onedrive:// filesystem, exported by `ferry` (fsspec's method names).
  if (kind === "folder") return `const names = await fs.ls(${url});`;
  const reader = readerFor(path);
  return reader === null ? `const bytes = await readFile(${url});` : `const rows = await ${reader}(${url});`;
}
