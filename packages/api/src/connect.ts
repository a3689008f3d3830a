// Connecting OneDrive: the authorization-code flow in a browser, or the device-code flow for a machine without one.

import type { DeviceFlowState } from "./integrations.ts";

/** `POST /api/v1/integrations/onedrive/connect`. */
export interface ConnectRequest {
  /** Pre-fills the account at Microsoft's sign-in page. */
  loginHint?: string;
}

export interface ConnectStarted {
  /** Open this in a browser; it leads to Microsoft's sign-in and back to the broker's callback. */
  authorizationUrl: string;
  /** ISO 8601 time the flow's state stops being accepted. */
  expiresAt: string;
}

/** `POST /api/v1/integrations/onedrive/device`: takes no fields. */
export type DeviceRequest = Record<string, never>;

export interface DeviceStarted {
  userCode: string;
  verificationUri: string;
  /** ISO 8601 time the user code stops working. */
  expiresAt: string;
  /** Seconds between the broker's polls of Microsoft. */
  interval: number;
  /** Microsoft's own instruction, or one in the same words. */
  message: string;
}

/** `GET /api/v1/integrations/onedrive/device`: `none` when this user never started one. */
export type DeviceFlowProgress = DeviceFlowState | { status: "none"; expiresAt: null; detail: null };
