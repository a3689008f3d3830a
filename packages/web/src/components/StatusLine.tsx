import type { Integration } from "@ferry/api";
import { reconnectReason } from "../reconnectReason.ts";
import { EmailAddress } from "./EmailAddress.tsx";

interface Props {
  /** null while the status loads: a placeholder of the same height keeps the card from jumping. */
  integration: Integration | null;
}

/** `Connected as <email>`, `Not connected`, or `Needs reconnecting` with the reason. */
export function StatusLine({ integration }: Props) {
  if (integration === null) {
    return (
      <div className="status">
        <span className="skeleton skeleton--status" />
        <span className="visually-hidden">Checking the connection…</span>
      </div>
    );
  }
  if (integration.status === "connected") {
    const email = integration.account?.email;
    const who = email ? (
      <EmailAddress email={email} />
    ) : (
      (integration.account?.name ?? "your Microsoft account")
    );
    return (
      <div className="status">
        <p className="status__line" data-testid="onedrive-status">
          <span className="badge badge--ok">Connected</span>
          <span>Connected as {who}</span>
        </p>
      </div>
    );
  }
  if (integration.status === "needs_reconnect") {
    return (
      <div className="status">
        <p className="status__line" data-testid="onedrive-status">
          <span className="badge badge--warn">Action needed</span>
          <span>Needs reconnecting</span>
        </p>
        <p className="status__reason">{reconnectReason(integration.lastError)}</p>
        {integration.lastError !== null && (
          <details className="status__detail">
            <summary>What Microsoft said</summary>
            <p>{integration.lastError}</p>
          </details>
        )}
      </div>
    );
  }
  return (
    <div className="status">
      <p className="status__line" data-testid="onedrive-status">
        <span className="badge">Off</span>
        <span>Not connected</span>
      </p>
    </div>
  );
}
