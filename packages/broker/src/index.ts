// The public face of @ferry/broker: startBroker (the HTTP server and the OneDrive flows), and the foundations it is
// built on, which the CLI also uses directly against the database: configuration, the database, the vault and its
// keys, users, API keys, login links, sessions and the per-connection refresh lock; and a scripted browser that
// clicks through the connect pages, for tests and scripted set-ups against the emulator.

export {
  type ApiKey,
  type CreatedApiKey,
  createApiKey,
  InvalidKeyNameError,
  listApiKeys,
  revokeApiKey,
  verifyApiKey,
} from "./apiKeys.ts";
export { type AuditDetail, type AuditEvent, listAudit, recordAudit } from "./audit.ts";
export {
  type BrokerConfig,
  CALLBACK_PATH,
  CONFIRM_PATH,
  type DatabaseConfig,
  loadConfig,
  type MicrosoftConfig,
  parseTrustProxy,
  START_PATH,
  type TrustProxy,
} from "./config.ts";
export {
  type ConnectionLease,
  type ConnectionLockOptions,
  ConnectionNotFoundError,
  type LeasedConnectionUpdate,
  LeaseLostError,
  LockTimeoutError,
  withConnectionLock,
} from "./connectionLock.ts";
export { prepareHome } from "./dataDirectory.ts";
export {
  type Dialect,
  type FerryDb,
  isUniqueViolation,
  migrateToLatest,
  type OpenDatabaseOptions,
  openDatabase,
} from "./db.ts";
export { ConfigError } from "./errors.ts";
export { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "./http/buildApp.ts";
export { bindingCookieName } from "./http/flowBinding.ts";
export { type ErrorCode, HttpError } from "./http/httpError.ts";
export { createLogger, type LoggerSettings, REDACT_PATHS, redactUrl } from "./http/logger.ts";
export { loginLinkUrl } from "./http/loginLinkUrl.ts";
export { REMOVE_ACCESS } from "./http/routes/integrationRoutes.ts";
export { SESSION_COOKIE, sessionCookieName } from "./http/sessionCookie.ts";
export {
  type CreatedLoginLink,
  createLoginLink,
  LOGIN_LINK_TTL_MS,
  purgeSpentLoginLinks,
  redeemLoginLink,
} from "./loginLinks.ts";
export {
  type LoadedMasterKeys,
  loadMasterKeys,
  MASTER_KEY_FILE,
  MasterKey,
  parseMasterKeys,
} from "./masterKeys.ts";
export { BrokerMetrics } from "./metrics.ts";
export { CONFIRM_TTL_MS, MAX_CODE_FLOWS_PER_USER, STATE_TTL_MS } from "./onedrive/authorizationFlow.ts";
export { KEEP_ALIVE_IDLE_MS } from "./onedrive/keepAlive.ts";
export {
  DEFAULT_MICROSOFT_CALL_LIMITS,
  type MicrosoftCallKind,
  type MicrosoftCallLimitOptions,
} from "./onedrive/microsoftCallLimits.ts";
export { DEFAULT_EXPIRES_IN_SECONDS, ONEDRIVE_SCOPE, ONEDRIVE_SCOPES } from "./onedrive/microsoftIdentity.ts";
export { MIN_VALIDITY_MS } from "./onedrive/tokenMinter.ts";
export { type RotationResult, rotateVault } from "./rotation.ts";
export {
  type ConnectionRow,
  type ConnectionStatus,
  ENCRYPTED_COLUMNS,
  type NewConnection,
  type OAuthFlow,
  type Provider,
  type Tables,
} from "./schema.ts";
export {
  connectOneDriveScripted,
  type FormButton,
  type Navigation,
  type NavigationResult,
  ScriptedBrowser,
  type ScriptedBrowserOptions,
  type ScriptedPage,
} from "./scriptedBrowser.ts";
export { Secret } from "./secret.ts";
export {
  type CreatedSession,
  createSession,
  csrfTokenFor,
  endSession,
  endUserSessions,
  getSession,
  purgeExpiredSessions,
  SESSION_TTL_MS,
  type Session,
  verifyCsrfToken,
} from "./sessions.ts";
export { type BrokerOptions, type RunningBroker, startBroker } from "./startBroker.ts";
export { type BrokerStore, openBrokerStore } from "./store.ts";
export {
  createUser,
  disableUser,
  enableUser,
  getUser,
  getUserByName,
  InvalidUserNameError,
  listUsers,
  type User,
  UserExistsError,
} from "./users.ts";
export { keyIdOf, Vault, VaultError, type VaultErrorCode, type VaultField } from "./vault.ts";
