/** Everything that shapes one emulator instance. Every field has a default, so `{}` is a valid start. */
export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Directory for file bodies and the state snapshot. Omitted: a temporary directory removed on close. */
  dataDir?: string;
  /** Added before each response to Graph, storage and identity routes. */
  latencyMs?: number;
  /** Per-connection cap on bytes per second in both directions; 0 means unlimited. */
  bandwidth?: number;
  /** Share of Graph and storage requests (0..1) answered with an injected fault. */
  faultRate?: number;
  /**
   * Base `Retry-After` in seconds for injected 429/503 faults; each fault draws a value between half
   * and one and a half times this, with decimals as Graph sends them. Kept small so chaos runs stay fast.
   */
  faultRetryAfter?: number;
  /** Seed for every random choice the emulator makes (faults, ids, codes), so runs reproduce. */
  seed?: number;
  /** Access-token lifetime in seconds (`expires_in`). Microsoft issues 60–90 minutes. */
  tokenLifetime?: number;
  /** Lifetime of `@microsoft.graph.downloadUrl` links in seconds. Microsoft's last about an hour. */
  downloadUrlLifetime?: number;
  /** Lifetime of upload sessions in seconds (the `expirationDateTime` Microsoft returns is days away). */
  uploadSessionLifetime?: number;
  /**
   * Answer the authorize endpoint without showing a page, for scripted runs. An account key
   * (`personal`, `work`, …) or `false`. `decline` answers as if the user clicked "No".
   */
  autoConsent?: string | false;
  /** Reject upload fragments that carry an Authorization header with 401, as Microsoft documents it may. */
  rejectAuthOnUploadUrl?: boolean;
  /** Device-code polling interval in seconds returned to clients (Microsoft: 5). */
  deviceCodeInterval?: number;
  /** Apps registered with the identity platform; the default Ferry dev app is always present. */
  apps?: AppRegistration[];
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (clients trust `RunningEmulator.ca`). */
  tls?: boolean;
  /**
   * Build links from `X-Forwarded-Proto` and `X-Forwarded-Host` when a TLS-terminating proxy sits
   * in front of the emulator. Off by default: without a proxy those headers come from the client,
   * and links are built from the request's own scheme and `Host`.
   */
  trustProxy?: boolean;
  /** Log each request to stderr. */
  log?: boolean;
}

/** A Microsoft Entra app registration as the emulator knows it. */
export interface AppRegistration {
  clientId: string;
  /** Present for a confidential client; absent for a public client using PKCE. */
  clientSecret?: string;
  /**
   * Exact redirect URIs. For loopback hosts (`127.0.0.1`, `localhost`) the port is ignored when
   * matching, as Microsoft documents for native apps.
   */
  redirectUris: string[];
  displayName?: string;
}

/** The client id of the app that `ferry dev`, the tests and the demo use against the emulator. */
export const DEV_CLIENT_ID = "5d1f3c6e-8a2b-4c7d-9e0f-1a2b3c4d5e6f";

export const DEV_APP: AppRegistration = {
  clientId: DEV_CLIENT_ID,
  redirectUris: [
    "http://127.0.0.1/integrations/onedrive/callback",
    "http://localhost/integrations/onedrive/callback",
  ],
  displayName: "Ferry (local development)",
};

export type ResolvedOptions = Required<Omit<EmulatorOptions, "dataDir">> & { dataDir: string | undefined };

export function resolveOptions(o: EmulatorOptions): ResolvedOptions {
  const apps = [DEV_APP, ...(o.apps ?? []).filter((a) => a.clientId !== DEV_CLIENT_ID)];
  return {
    port: o.port ?? 0,
    host: o.host ?? "127.0.0.1",
    dataDir: o.dataDir,
    latencyMs: o.latencyMs ?? 0,
    bandwidth: o.bandwidth ?? 0,
    faultRate: o.faultRate ?? 0,
    faultRetryAfter: o.faultRetryAfter ?? 0.5,
    seed: o.seed ?? 1,
    tokenLifetime: o.tokenLifetime ?? 3600,
    downloadUrlLifetime: o.downloadUrlLifetime ?? 3600,
    uploadSessionLifetime: o.uploadSessionLifetime ?? 7 * 24 * 3600,
    autoConsent: o.autoConsent ?? false,
    rejectAuthOnUploadUrl: o.rejectAuthOnUploadUrl ?? true,
    deviceCodeInterval: o.deviceCodeInterval ?? 5,
    apps,
    log: o.log ?? false,
    tls: o.tls ?? false,
    trustProxy: o.trustProxy ?? false,
  };
}
