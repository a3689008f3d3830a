import type { Integration } from "@ferry/api";
import { useState } from "react";
import type { BrokerApi } from "../api.ts";
import type { CallbackResult } from "../callbackResult.ts";
import { FileExplorer } from "../explorer/FileExplorer.tsx";
import { SecretsSection } from "../secrets/SecretsSection.tsx";
import { OneDriveCard } from "./OneDriveCard.tsx";
import { PageIntro } from "./PageIntro.tsx";
import { UsageAside } from "./UsageAside.tsx";

interface Props {
  api: BrokerApi;
  callbackResult: CallbackResult | null;
}

/** Integrations & Secrets: the OneDrive connection, how code uses it, the files it reaches, and the user's secrets. */
export function IntegrationsPage({ api, callbackResult }: Props) {
  // The explorer starts over whenever the card's status changes (connected, disconnected, needs reconnecting).
  const [status, setStatus] = useState<Integration["status"] | null>(null);
  return (
    <div className="layout">
      <PageIntro />
      <OneDriveCard api={api} callbackResult={callbackResult} onStatus={setStatus} />
      <UsageAside />
      {status !== null && <FileExplorer key={status} api={api} />}
      <SecretsSection csrfToken={api.csrfToken} />
    </div>
  );
}
