// The file explorer's routes, `/api/v1/onedrive/…`: the page browses, previews and changes the signed-in user's
// OneDrive through the broker, which calls Graph with that user's own connection. Paths are drive paths below the
// root, as in `onedrive://` URLs ("" is the root), never Graph ids, so the page shows the path a job would use.

/** One file or folder in a listing. */
export interface FileEntry {
  name: string;
  /** The drive path ("reports/q1.csv"); `onedrive://` + path is what a job reads. */
  path: string;
  kind: "file" | "folder";
  /** Bytes; a folder's is the total of its contents as OneDrive reports it. */
  size: number;
  /** ISO 8601, as OneDrive reports the item's last change. */
  modifiedAt: string | null;
  /** Folders: how many items sit directly in it; null for files. */
  childCount: number | null;
  /** Files: the MIME type OneDrive reports; null for folders or when it reports none. */
  mimeType: string | null;
}

/** `GET /api/v1/onedrive/children?path=…[&cursor=…]`: one page of a folder, in OneDrive's order. */
export interface FolderPage {
  /** The folder listed ("" for the root). */
  path: string;
  items: FileEntry[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** `POST /api/v1/onedrive/folders`: a new folder named `name` in `parent`. Fails with 409 when the name exists. */
export interface NewFolderRequest {
  parent: string;
  name: string;
}

/** `POST /api/v1/onedrive/rename`: gives the item at `path` the new `name` in the same folder. */
export interface RenameRequest {
  path: string;
  name: string;
}

/** `DELETE /api/v1/onedrive/item?path=…`: the item went to the OneDrive recycle bin. */
export interface Deleted {
  path: string;
  message: string;
}

/**
 * `POST /api/v1/onedrive/uploads`: starts an upload of `size` bytes to `path` through a Graph upload session held
 * by the broker. With `overwrite` false an existing item at `path` is a 409, so the page asks first.
 */
export interface UploadRequest {
  path: string;
  size: number;
  overwrite: boolean;
}

export interface UploadStarted {
  /** Names the upload in `PUT /api/v1/onedrive/uploads/{uploadId}`; only its starter's session may use it. */
  uploadId: string;
  /** Send fragments of exactly this many bytes (the last may be shorter): a multiple of 320 KiB, as Graph asks. */
  fragmentSize: number;
  expiresAt: string;
}

/**
 * The answer to one fragment (`PUT …/uploads/{id}` with `Content-Range: bytes S-E/TOTAL`): where to go on, or the
 * stored file once the last fragment landed.
 */
export type UploadProgress =
  | { done: false; nextOffset: number; item: null }
  | { done: true; nextOffset: number; item: FileEntry };

/** A column of a preview, with the type read from the file (Parquet) or inferred from its first rows. */
export interface PreviewColumn {
  name: string;
  type: string;
}

/**
 * `GET /api/v1/onedrive/preview?path=…`: the first rows of a CSV, Parquet, JSON or NDJSON file as a table, or a
 * plain reason when there is none (too large, not tabular, not a data file).
 */
export type Preview =
  | {
      tabular: true;
      format: "csv" | "parquet" | "json" | "ndjson";
      columns: PreviewColumn[];
      /** At most 50 rows, each value as text (null stays null) in the order of `columns`. */
      rows: (string | null)[][];
      /** True when the file holds more rows than shown. */
      truncated: boolean;
      /** Total rows when the format says so without reading everything (Parquet); else null. */
      totalRows: number | null;
    }
  | { tabular: false; reason: "too_large" | "not_tabular" | "not_data"; message: string };

/**
 * The explorer's routes, as ApiRoutes states them. The download (`GET /api/v1/onedrive/content?path=…`, the file's
 * bytes) and the fragment upload (`PUT /api/v1/onedrive/uploads/{id}`, raw bytes in) are not JSON in both
 * directions, so the page calls them itself; their JSON answers are still typed here.
 */
export interface FileRoutes {
  "GET /api/v1/onedrive/children": { body: undefined; response: FolderPage };
  "GET /api/v1/onedrive/item": { body: undefined; response: FileEntry };
  "GET /api/v1/onedrive/preview": { body: undefined; response: Preview };
  "POST /api/v1/onedrive/folders": { body: NewFolderRequest; response: FileEntry };
  "POST /api/v1/onedrive/rename": { body: RenameRequest; response: FileEntry };
  "DELETE /api/v1/onedrive/item": { body: undefined; response: Deleted };
  "POST /api/v1/onedrive/uploads": { body: UploadRequest; response: UploadStarted };
}
