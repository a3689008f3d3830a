import type { ConnectionStatus } from "@ferry/api";

interface Props {
  /** null while loading: the row keeps its height, with its buttons disabled. */
  status: ConnectionStatus | null;
  busy: "connect" | "disconnect" | null;
  tokenShown: boolean;
  onConnect: () => void;
  onDisconnect: () => void;
  onShowToken: () => void;
}

/** The buttons that fit the status: Connect, or Reconnect, or Copy token; Disconnect whenever something is stored. */
export function OneDriveActions({ status, busy, tokenShown, onConnect, onDisconnect, onShowToken }: Props) {
  const disabled = status === null || busy !== null;
  return (
    <div className="actions">
      {(status === null || status === "disconnected") && (
        <button type="button" className="button button--primary" disabled={disabled} onClick={onConnect}>
          {busy === "connect" ? "Opening Microsoft sign-in…" : "Connect OneDrive"}
        </button>
      )}
      {status === "needs_reconnect" && (
        <button type="button" className="button button--primary" disabled={disabled} onClick={onConnect}>
          {busy === "connect" ? "Opening Microsoft sign-in…" : "Reconnect"}
        </button>
      )}
      {status === "connected" && (
        <button
          id="copy-token"
          type="button"
          className="button"
          disabled={disabled || tokenShown}
          aria-expanded={tokenShown}
          aria-controls="token-panel"
          onClick={onShowToken}
        >
          Copy token
        </button>
      )}
      {(status === "connected" || status === "needs_reconnect") && (
        <button type="button" className="button button--danger" disabled={disabled} onClick={onDisconnect}>
          {busy === "disconnect" ? "Disconnecting…" : "Disconnect"}
        </button>
      )}
    </div>
  );
}
