import type { Migration } from "kysely";
import * as initial from "./0001_initial.ts";
import * as devicePolling from "./0002_device_polling.ts";
import * as flowBinding from "./0003_flow_binding.ts";
import * as secrets from "./0004_secrets.ts";

// Listed in code rather than read from a folder, so they work the same from TypeScript sources, a bundle or a
// published package. Names sort in the order they must run; never rename or edit one that has shipped.
export const migrations: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_device_polling": devicePolling,
  "0003_flow_binding": flowBinding,
  "0004_secrets": secrets,
};
