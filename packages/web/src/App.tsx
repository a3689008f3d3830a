import type { Session } from "@ferry/api";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, BrokerApi } from "./api.ts";
import { type CallbackResult, takeCallbackResult } from "./callbackResult.ts";
import { AppHeader } from "./components/AppHeader.tsx";
import { IntegrationsPage } from "./components/IntegrationsPage.tsx";
import { PageSkeleton } from "./components/PageSkeleton.tsx";
import { SignInScreen } from "./components/SignInScreen.tsx";
import { UnavailableScreen } from "./components/UnavailableScreen.tsx";

type SessionState =
  | { kind: "loading" }
  | { kind: "signed_out"; signedOutNow: boolean }
  | { kind: "unavailable"; message: string }
  | { kind: "signed_in"; session: Session };

// Read before the first render: the broker's callback put it in the address bar, which is then cleaned.
const callbackResult: CallbackResult | null = takeCallbackResult(window.location, window.history);

export function App() {
  const [state, setState] = useState<SessionState>({ kind: "loading" });

  const loadSession = useCallback(async () => {
    try {
      setState({ kind: "signed_in", session: await BrokerApi.session() });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401)
        setState({ kind: "signed_out", signedOutNow: false });
      else setState({ kind: "unavailable", message: messageOf(error) });
    }
  }, []);

  useEffect(() => {
    void loadSession();
  }, [loadSession]);

  const session = state.kind === "signed_in" ? state.session : null;
  const csrfToken = session?.csrfToken ?? null;
  const api = useMemo(() => new BrokerApi(csrfToken), [csrfToken]);

  async function signOut() {
    await api.logout().catch(() => undefined);
    setState({ kind: "signed_out", signedOutNow: true });
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader userName={session?.user.name ?? null} onSignOut={signOut} />
      <main id="main" className="page" tabIndex={-1}>
        {state.kind === "loading" && <PageSkeleton />}
        {state.kind === "signed_out" && <SignInScreen signedOutNow={state.signedOutNow} />}
        {state.kind === "unavailable" && <UnavailableScreen message={state.message} onRetry={loadSession} />}
        {state.kind === "signed_in" && <IntegrationsPage api={api} callbackResult={callbackResult} />}
      </main>
    </>
  );
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : "The page could not load its data from the broker.";
}
