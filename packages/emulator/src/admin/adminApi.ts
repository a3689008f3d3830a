import type { CountersSnapshot } from "../counters.ts";

/**
 * The admin API's JSON shapes, shared by the routes and `EmulatorAdmin`. Everything lives under
 * `/_emulator/`; errors are `{ error: { code, message } }`.
 */

/** One file to create. Give exactly one of `content`, `contentBase64` or `size`. */
export interface SeedFile {
  /** Path under the drive root, e.g. `reports/q1.csv`; missing folders are created. */
  path: string;
  /** UTF-8 text. */
  content?: string;
  contentBase64?: string;
  /** Generated deterministic bytes (see `generatedBytes`), streamed: fit for files of any size. */
  size?: number;
}

export interface SeedRequest {
  /** Account key: `personal`, `work`, `personal2`. */
  account: string;
  folders?: string[];
  files?: SeedFile[];
}

export interface SeededItem {
  path: string;
  id: string;
  folder: boolean;
  size: number;
  /** The hashes Graph will report for the file. */
  hashes?: { quickXorHash: string; sha1Hash?: string; sha256Hash?: string };
}

export interface SeedResult {
  driveId: string;
  items: SeededItem[];
}

/** The settings that can change while the emulator runs. */
export interface EmulatorSettings {
  latencyMs: number;
  /** Bytes per second per connection, each direction; 0 = unlimited. */
  bandwidth: number;
  faultRate: number;
  faultRetryAfter: number;
  /** Setting it re-seeds fault decisions from this request on. */
  seed: number;
  autoConsent: string | false;
  tokenLifetime: number;
  downloadUrlLifetime: number;
  uploadSessionLifetime: number;
  rejectAuthOnUploadUrl: boolean;
  deviceCodeInterval: number;
}

export interface AdminCounters extends CountersSnapshot {
  /** The emulator process's resident memory now, and its peak, in bytes. */
  rss: number;
  peakRss: number;
}

export interface AdminAccount {
  key: string;
  kind: "personal" | "work";
  id: string;
  email: string;
  displayName: string;
  driveId: string;
  driveType: "personal" | "business";
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}
