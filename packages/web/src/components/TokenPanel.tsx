import type { MintedToken } from "@ferry/api";
import { useEffect, useRef, useState } from "react";
import { ApiError, type BrokerApi } from "../api.ts";
import { formatTime } from "../formatTime.ts";

interface Props {
  api: BrokerApi;
  onClose: () => void;
}

type State =
  | { kind: "warning" }
  | { kind: "loading" }
  | { kind: "shown"; token: MintedToken; copied: boolean }
  | { kind: "failed"; message: string };

/**
 * Copy token, in two steps: a warning first, then a short-lived Graph access token minted by the broker. Only the
 * access token ever reaches the page (the broker never sends a refresh token), and it is dropped on close.
 */
export function TokenPanel({ api, onClose }: Props) {
  const [state, setState] = useState<State>({ kind: "warning" });
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);

  useEffect(() => heading.current?.focus(), []);

  async function reveal() {
    setState({ kind: "loading" });
    try {
      setState({ kind: "shown", token: await api.mintToken(), copied: false });
    } catch (error) {
      setState({
        kind: "failed",
        message: error instanceof ApiError ? error.message : "The broker did not hand out a token.",
      });
    }
  }

  async function copy(token: MintedToken) {
    try {
      await navigator.clipboard.writeText(token.accessToken);
    } catch {
      // Clipboard refused (permissions): select the text so Ctrl+C copies it.
      field.current?.select();
    }
    setState({ kind: "shown", token, copied: true });
  }

  return (
    <section id="token-panel" className="token-panel" aria-labelledby="token-title">
      <h3 id="token-title" ref={heading} tabIndex={-1}>
        Access token for another client
      </h3>
      <p className="warning">
        <strong>Treat this like a password.</strong> Anyone holding it can read, change and delete your
        OneDrive files until it expires (about an hour). Paste it only into a client you trust; never into a
        chat, a ticket or a repository.
      </p>
      {(state.kind === "warning" || state.kind === "loading") && (
        <div className="actions">
          <button
            type="button"
            className="button button--primary"
            disabled={state.kind === "loading"}
            onClick={reveal}
          >
            {state.kind === "loading" ? "Getting a token…" : "I understand, reveal the token"}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      )}
      {state.kind === "shown" && (
        <>
          <label className="field-label" htmlFor="token-value">
            Microsoft Graph access token, valid until {formatTime(state.token.expiresAt)}
          </label>
          <textarea
            id="token-value"
            ref={field}
            className="token-value"
            readOnly
            rows={3}
            spellCheck={false}
            value={state.token.accessToken}
            onFocus={(event) => event.currentTarget.select()}
          />
          <div className="actions">
            <button type="button" className="button button--primary" onClick={() => copy(state.token)}>
              Copy to clipboard
            </button>
            <button type="button" className="button" onClick={onClose}>
              Hide token
            </button>
            <span className="copied" role="status">
              {state.copied ? "Copied." : ""}
            </span>
          </div>
        </>
      )}
      {state.kind === "failed" && (
        <>
          <p role="alert">{state.message}</p>
          <div className="actions">
            <button type="button" className="button" onClick={reveal}>
              Try again
            </button>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      )}
    </section>
  );
}
