import type { Clock } from "./clock.ts";
import type { Counters } from "./counters.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Random } from "./random.ts";
import type { Signer } from "./secrets.ts";

/**
 * The state one emulator instance shares between its route groups. Each area (identity, drives,
 * storage, chaos) owns its part and registers it here when the server is built.
 */
export interface EmulatorContext {
  options: ResolvedOptions;
  clock: Clock;
  /** Seeded: fault decisions only. */
  random: Random;
  counters: Counters;
  signer: Signer;
  /** Where file bodies and the state snapshot live. */
  dataDir: string;
  /** Asks for the state snapshot to be written soon (coalesced). */
  markDirty(): void;
}
