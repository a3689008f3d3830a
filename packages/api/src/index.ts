// @ferry/api: the JSON of the broker's HTTP API, as TypeScript types and nothing else. The broker's request and
// response schemas are checked against these at compile time; the `ferry` client, the CLI and the page use them.
// It has no runtime code and no dependencies, so importing its types costs a job nothing.

export type {
  ConnectRequest,
  ConnectStarted,
  DeviceFlowProgress,
  DeviceRequest,
  DeviceStarted,
} from "./connect.ts";
export type { ApiErrorBody, ApiErrorCode } from "./errors.ts";
export type {
  Deleted,
  FileEntry,
  FolderPage,
  NewFolderRequest,
  Preview,
  PreviewColumn,
  RenameRequest,
  UploadProgress,
  UploadRequest,
  UploadStarted,
} from "./files.ts";
export type {
  ConnectedAccount,
  ConnectionStatus,
  DeviceFlowState,
  DeviceFlowStatus,
  Disconnected,
  Integration,
  IntegrationList,
} from "./integrations.ts";
export type { ApiMethod, ApiPath, ApiRequestBody, ApiResponse, ApiRoutes } from "./routes.ts";
export type {
  SecretDeleted,
  SecretList,
  SecretSaved,
  SecretSummary,
  SecretValue,
  SetSecretRequest,
} from "./secrets.ts";
export type { ApiUser, AuthenticatedVia, LogoutRequest, Me, Session } from "./session.ts";
export type { MintedToken, TokenRequest } from "./token.ts";
