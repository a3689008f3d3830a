import type { Disconnected, Integration } from "@ferry/api";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, type BrokerApi } from "../api.ts";
import type { CallbackResult } from "../callbackResult.ts";
import { ConnectionTimes } from "./ConnectionTimes.tsx";
import { DisconnectDialog } from "./DisconnectDialog.tsx";
import { Notice } from "./Notice.tsx";
import { OneDriveActions } from "./OneDriveActions.tsx";
import { RemoveAccessHelp } from "./RemoveAccessHelp.tsx";
import { ScopeList } from "./ScopeList.tsx";
import { StatusLine } from "./StatusLine.tsx";
import { TokenPanel } from "./TokenPanel.tsx";

interface Props {
  api: BrokerApi;
  callbackResult: CallbackResult | null;
  /** Told each status the card loads, so the file explorer follows connects and disconnects. */
  onStatus?: (status: Integration["status"]) => void;
}

type Message =
  | { kind: "callback"; result: CallbackResult }
  | { kind: "error"; text: string }
  | { kind: "disconnected"; result: Disconnected };

/** The OneDrive connection: its status, what it may do, and the actions that change it. */
export function OneDriveCard({ api, callbackResult, onStatus }: Props) {
  const [integration, setIntegration] = useState<Integration | null>(null);
  const [message, setMessage] = useState<Message | null>(
    callbackResult === null ? null : { kind: "callback", result: callbackResult },
  );
  const [busy, setBusy] = useState<"connect" | "disconnect" | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [showToken, setShowToken] = useState(false);

  const load = useCallback(
    async (check: boolean) => {
      try {
        const loaded = await api.onedrive(check);
        setIntegration(loaded);
        onStatus?.(loaded.status);
      } catch (error) {
        setMessage({ kind: "error", text: messageOf(error) });
      }
    },
    [api, onStatus],
  );

  useEffect(() => {
    // On load the broker checks the connection with Microsoft, so a grant revoked there shows here.
    void load(true);
  }, [load]);

  async function connect() {
    setBusy("connect");
    try {
      window.location.assign(await api.startConnect());
    } catch (error) {
      setMessage({ kind: "error", text: messageOf(error) });
      setBusy(null);
    }
  }

  async function disconnect() {
    setConfirming(false);
    setBusy("disconnect");
    try {
      const result = await api.disconnect();
      setShowToken(false);
      setMessage({ kind: "disconnected", result });
      await load(false);
      // The Disconnect button that had focus is gone; the card's heading takes it, just above the message.
      document.getElementById("onedrive-title")?.focus();
    } catch (error) {
      setMessage({ kind: "error", text: messageOf(error) });
    } finally {
      setBusy(null);
    }
  }

  const returnFocusToCopy = useRef(false);
  function closeToken() {
    returnFocusToCopy.current = true;
    setShowToken(false);
  }
  useEffect(() => {
    // Back to the button that opened the panel, once the panel (and the focus inside it) is gone.
    if (!showToken && returnFocusToCopy.current) {
      returnFocusToCopy.current = false;
      document.getElementById("copy-token")?.focus();
    }
  }, [showToken]);

  const status = integration?.status ?? null;
  return (
    <section className="card" aria-labelledby="onedrive-title" aria-busy={integration === null}>
      <div className="card__head">
        <div className="provider-logo" aria-hidden="true">
          <svg viewBox="0 0 24 24" width="28" height="28" focusable="false" aria-hidden="true">
            <path
              fill="currentColor"
              d="M10.1 8.3a5.3 5.3 0 0 1 9.5 2.3 3.9 3.9 0 0 1 .4 7.8H6.4a4.4 4.4 0 0 1-1.1-8.7 5.3 5.3 0 0 1 4.8-1.4z"
            />
          </svg>
        </div>
        <h2 id="onedrive-title" className="card__title" tabIndex={-1}>
          Microsoft OneDrive
        </h2>
        <StatusLine integration={integration} />
      </div>

      {message?.kind === "callback" && (
        <Notice tone={message.result.tone} onDismiss={() => setMessage(null)}>
          <p>{message.result.text}</p>
        </Notice>
      )}
      {message?.kind === "error" && (
        <Notice tone="error" onDismiss={() => setMessage(null)}>
          <p>{message.text}</p>
        </Notice>
      )}
      {message?.kind === "disconnected" && (
        <Notice tone="info" title="OneDrive is disconnected" onDismiss={() => setMessage(null)}>
          <RemoveAccessHelp result={message.result} />
        </Notice>
      )}

      <div className="card__grid">
        <ScopeList granted={integration?.status === "connected" ? integration.scopes : null} />
        <ConnectionTimes integration={integration} />
      </div>

      <OneDriveActions
        status={status}
        busy={busy}
        tokenShown={showToken}
        onConnect={connect}
        onDisconnect={() => setConfirming(true)}
        onShowToken={() => setShowToken(true)}
      />
      {showToken && status === "connected" && <TokenPanel api={api} onClose={closeToken} />}

      <DisconnectDialog
        open={confirming}
        email={integration?.account?.email ?? null}
        onCancel={() => setConfirming(false)}
        onConfirm={disconnect}
      />
    </section>
  );
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong talking to the broker.";
}
