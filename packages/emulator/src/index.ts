export {
  ACCOUNTS,
  type Account,
  type AccountKind,
  CONSUMERS_TENANT_ID,
  CONTOSO_TENANT_ID,
} from "./accounts.ts";
export type {
  AdminAccount,
  AdminCounters,
  EmulatorSettings,
  IssuedToken,
  SeededItem,
  SeedFile,
  SeedRequest,
  SeedResult,
} from "./admin/adminApi.ts";
export {
  countRequests,
  EmulatorAdmin,
  EmulatorAdminError,
  type RequestFilter,
} from "./admin/adminClient.ts";
export { generatedBytes } from "./admin/generatedContent.ts";
export type { FaultKind, ScriptedFault, ScriptedFaultSpec } from "./chaos/scriptedFaults.ts";
export type { CountersSnapshot } from "./counters.ts";
export { type AppRegistration, DEV_APP, DEV_CLIENT_ID, type EmulatorOptions } from "./options.ts";
export { type RunningEmulator, startEmulator } from "./startEmulator.ts";
