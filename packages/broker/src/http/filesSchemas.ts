// The file explorer's JSON (`/api/v1/onedrive/…`) as TypeBox schemas, proven equal to @ferry/api's types at compile
// time in the same way as apiSchemas.ts, which spreads FILE_ROUTES into API_ROUTES.

import type * as Api from "@ferry/api";
import Type, { type Static, type TSchema } from "typebox";

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/**
 * A drive path as the page sends it. Bounded well above OneDrive's 400-character path limit (percent-escapes and
 * the `onedrive://` prefix are longer than the path), so the path rule's own message names what is wrong.
 */
const drivePath = () => Type.String({ maxLength: 2048 });
/** One name; @ferry/graph's checkName gives the refusal a person reads, this only bounds the body. */
const itemName = () => Type.String({ maxLength: 1024 });

export const FileEntry = Type.Object({
  name: Type.String(),
  path: Type.String(),
  kind: Type.Union([Type.Literal("file"), Type.Literal("folder")]),
  size: Type.Number(),
  modifiedAt: nullable(Type.String()),
  childCount: nullable(Type.Number()),
  mimeType: nullable(Type.String()),
});

export const FolderPage = Type.Object({
  path: Type.String(),
  items: Type.Array(FileEntry),
  nextCursor: nullable(Type.String()),
});

export const NewFolderRequest = Type.Object(
  { parent: drivePath(), name: itemName() },
  { additionalProperties: false },
);

export const RenameRequest = Type.Object(
  { path: drivePath(), name: itemName() },
  { additionalProperties: false },
);

export const Deleted = Type.Object({ path: Type.String(), message: Type.String() });

/** 250 GiB: OneDrive's largest file. */
export const MAX_FILE_BYTES = 250 * 1024 ** 3;

export const UploadRequest = Type.Object(
  {
    path: drivePath(),
    size: Type.Integer({ minimum: 0, maximum: MAX_FILE_BYTES }),
    overwrite: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const UploadStarted = Type.Object({
  uploadId: Type.String(),
  fragmentSize: Type.Number(),
  expiresAt: Type.String(),
});

export const UploadProgress = Type.Union([
  Type.Object({ done: Type.Literal(false), nextOffset: Type.Number(), item: Type.Null() }),
  Type.Object({ done: Type.Literal(true), nextOffset: Type.Number(), item: FileEntry }),
]);

export const PreviewColumn = Type.Object({ name: Type.String(), type: Type.String() });

export const Preview = Type.Union([
  Type.Object({
    tabular: Type.Literal(true),
    format: Type.Union([
      Type.Literal("csv"),
      Type.Literal("parquet"),
      Type.Literal("json"),
      Type.Literal("ndjson"),
    ]),
    columns: Type.Array(PreviewColumn),
    rows: Type.Array(Type.Array(nullable(Type.String()))),
    truncated: Type.Boolean(),
    totalRows: nullable(Type.Number()),
  }),
  Type.Object({
    tabular: Type.Literal(false),
    reason: Type.Union([Type.Literal("too_large"), Type.Literal("not_tabular"), Type.Literal("not_data")]),
    message: Type.String(),
  }),
]);

const pathQuery = () => Type.Object({ path: drivePath() }, { additionalProperties: false });

/** The explorer's JSON routes; see FileRoutes in @ferry/api. */
export const FILE_ROUTES = {
  "GET /api/v1/onedrive/children": {
    querystring: Type.Object(
      { path: drivePath(), cursor: Type.Optional(Type.String({ maxLength: 4096 })) },
      { additionalProperties: false },
    ),
    response: { 200: FolderPage },
  },
  "GET /api/v1/onedrive/item": { querystring: pathQuery(), response: { 200: FileEntry } },
  "GET /api/v1/onedrive/preview": { querystring: pathQuery(), response: { 200: Preview } },
  "POST /api/v1/onedrive/folders": { body: NewFolderRequest, response: { 200: FileEntry } },
  "POST /api/v1/onedrive/rename": { body: RenameRequest, response: { 200: FileEntry } },
  "DELETE /api/v1/onedrive/item": { querystring: pathQuery(), response: { 200: Deleted } },
  "POST /api/v1/onedrive/uploads": { body: UploadRequest, response: { 200: UploadStarted } },
} as const;

/** The routes that carry raw bytes (not in ApiRoutes): their parameters and JSON answers. */
export const BYTE_ROUTES = {
  "GET /api/v1/onedrive/content": { querystring: pathQuery() },
  "PUT /api/v1/onedrive/uploads/:uploadId": {
    params: Type.Object({ uploadId: Type.String({ pattern: "^[A-Za-z0-9_-]{22,64}$" }) }),
    response: { 200: UploadProgress },
  },
  "DELETE /api/v1/onedrive/uploads/:uploadId": {
    params: Type.Object({ uploadId: Type.String({ pattern: "^[A-Za-z0-9_-]{22,64}$" }) }),
  },
} as const;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

/** Fails to compile, naming the schema, when a schema and its @ferry/api type disagree. */
export type FileContractHolds = [
  Holds<Same<Static<typeof FileEntry>, Api.FileEntry>>,
  Holds<Same<Static<typeof FolderPage>, Api.FolderPage>>,
  Holds<Same<Static<typeof NewFolderRequest>, Api.NewFolderRequest>>,
  Holds<Same<Static<typeof RenameRequest>, Api.RenameRequest>>,
  Holds<Same<Static<typeof Deleted>, Api.Deleted>>,
  Holds<Same<Static<typeof UploadRequest>, Api.UploadRequest>>,
  Holds<Same<Static<typeof UploadStarted>, Api.UploadStarted>>,
  Holds<Same<Static<typeof UploadProgress>, Api.UploadProgress>>,
  Holds<Same<Static<typeof PreviewColumn>, Api.PreviewColumn>>,
  Holds<Same<Static<typeof Preview>, Api.Preview>>,
];
