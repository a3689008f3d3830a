// Why a OneDrive token cannot be minted, as the broker's domain knows it. These say nothing of HTTP:
// http/errorHandler.ts alone turns each into a status and an API error code.

const RECONNECT_HINT =
  "run `ferry integrations onedrive connect` or click Reconnect on the Integrations page";

/** This Ferry user has no OneDrive connection (never connected, or disconnected). */
export class NotConnected extends Error {
  override name = "NotConnected";
  constructor() {
    super(
      `OneDrive is not connected for this Ferry user: ${RECONNECT_HINT.replace("Reconnect", "Connect OneDrive")}.`,
    );
  }
}

/**
 * Microsoft no longer accepts the connection's refresh token (revoked, expired, idle 90 days, consent withdrawn):
 * only the user signing in again helps.
 */
export class NeedsReconnect extends Error {
  override name = "NeedsReconnect";
  constructor(reason: string | null) {
    const why = reason ? ` Microsoft said: ${reason}` : "";
    super(
      `OneDrive needs reconnecting: Microsoft no longer accepts this connection's refresh token (revoked, expired or inactive); ${RECONNECT_HINT}.${why}`,
    );
  }
}

/** A refresh could not be done right now (Microsoft throttling or down, a long lock); worth retrying later. */
export class RefreshUnavailable extends Error {
  override name = "RefreshUnavailable";
  /** Whole seconds, at least 1, the caller should wait. */
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, reason: string) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      `Microsoft's sign-in service could not refresh the OneDrive token right now (${reason}); try again in ${seconds} s.`,
    );
    this.retryAfterSeconds = seconds;
  }
}
