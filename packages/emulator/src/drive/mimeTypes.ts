/** The `file.mimeType` a new file gets when its upload names none: by its extension. */
const MIME: Record<string, string> = {
  csv: "text/csv",
  txt: "text/plain",
  json: "application/json",
  parquet: "application/octet-stream",
  arrow: "application/vnd.apache.arrow.file",
  png: "image/png",
  jpg: "image/jpeg",
  pdf: "application/pdf",
  html: "text/html",
  xml: "application/xml",
  zip: "application/zip",
};

export function guessMimeType(name: string): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  return MIME[ext] ?? "application/octet-stream";
}
