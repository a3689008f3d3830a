import { accountByKey } from "../accounts.ts";
import { Random } from "../random.ts";
import type { EmulatorState } from "../state.ts";
import type { EmulatorSettings } from "./adminApi.ts";
import { Fields } from "./adminBody.ts";
import { badRequest } from "./adminError.ts";

export function currentSettings(state: EmulatorState): EmulatorSettings {
  const o = state.options;
  return {
    latencyMs: o.latencyMs,
    bandwidth: o.bandwidth,
    faultRate: o.faultRate,
    faultRetryAfter: o.faultRetryAfter,
    seed: o.seed,
    autoConsent: o.autoConsent,
    tokenLifetime: o.tokenLifetime,
    downloadUrlLifetime: o.downloadUrlLifetime,
    uploadSessionLifetime: o.uploadSessionLifetime,
    rejectAuthOnUploadUrl: o.rejectAuthOnUploadUrl,
    deviceCodeInterval: o.deviceCodeInterval,
  };
}

/**
 * `PATCH /_emulator/settings`. Every field is checked before any is applied, so a rejected patch
 * changes nothing. The routes read `state.options` on each request, so changes apply at once,
 * including to connections already open.
 */
export function applySettings(state: EmulatorState, body: unknown): EmulatorSettings {
  const f = new Fields(body);
  const patch: Partial<EmulatorSettings> = {
    latencyMs: f.number("latencyMs", { min: 0 }),
    bandwidth: f.number("bandwidth", { min: 0 }),
    faultRate: f.number("faultRate", { min: 0, max: 1 }),
    faultRetryAfter: f.number("faultRetryAfter", { min: 0 }),
    seed: f.number("seed", { min: 0, integer: true }),
    tokenLifetime: f.number("tokenLifetime", { min: 1 }),
    downloadUrlLifetime: f.number("downloadUrlLifetime", { min: 1 }),
    uploadSessionLifetime: f.number("uploadSessionLifetime", { min: 1 }),
    rejectAuthOnUploadUrl: f.boolean("rejectAuthOnUploadUrl"),
    deviceCodeInterval: f.number("deviceCodeInterval", { min: 0 }),
  };
  const autoConsent = f.raw("autoConsent");
  if (autoConsent !== undefined) {
    if (autoConsent !== false && (typeof autoConsent !== "string" || !isConsentAnswer(autoConsent))) {
      throw badRequest(
        "'autoConsent' must be false, 'decline' or an account key (personal, work, personal2)",
      );
    }
    patch.autoConsent = autoConsent;
  }
  f.done();
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) Object.assign(state.options, { [key]: value });
  }
  if (patch.seed !== undefined) state.random = new Random(patch.seed);
  return currentSettings(state);
}

function isConsentAnswer(value: string): boolean {
  return value === "decline" || accountByKey(value) !== undefined;
}
