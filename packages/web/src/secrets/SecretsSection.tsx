import type { SecretSummary } from "@ferry/api";
import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { ApiError } from "../api.ts";
import { Notice } from "../components/Notice.tsx";
import { formatTime } from "../formatTime.ts";
import { DeleteSecretDialog } from "./DeleteSecretDialog.tsx";
import { SecretValueField } from "./SecretValueField.tsx";
import { nameProblem, valueProblem } from "./secretRules.ts";
import { SecretsApi } from "./secretsApi.ts";
import "./secrets.css";

interface Props {
  csrfToken: string | null;
}

type Message = { tone: "success" | "error"; text: string };

/**
 * The page's Secrets: names and times, a form to add one, Replace and Delete on each. Values are write-only: once
 * saved, the page never holds or shows one again (the broker refuses to send it to a session), so neither a script
 * running in the page nor someone looking over a shoulder can take it. `ferry secrets get` is the deliberate way
 * to read one back.
 */
export function SecretsSection({ csrfToken }: Props) {
  const api = useMemo(() => new SecretsApi(csrfToken), [csrfToken]);
  const [secrets, setSecrets] = useState<SecretSummary[] | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [replacing, setReplacing] = useState<string | null>(null);
  const [replacement, setReplacement] = useState("");
  const [replaceSubmitted, setReplaceSubmitted] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSecrets(await api.list());
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  // Keyboard users land in the field they opened, and back on the row's Replace button when it closes.
  const [returnTo, setReturnTo] = useState<string | null>(null);
  useEffect(() => {
    if (replacing !== null) document.getElementById(`replace-${replacing}`)?.focus();
    // Not while a request runs: the buttons are disabled then, and a disabled button cannot take focus.
    else if (returnTo !== null && !busy) {
      document.getElementById(`replace-button-${returnTo}`)?.focus();
      setReturnTo(null);
    }
  }, [replacing, returnTo, busy]);

  const exists = secrets?.some((s) => s.name === name) ?? false;
  const nameError = submitted ? (nameProblem(name) ?? (exists ? existsText(name) : null)) : null;

  async function add(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (nameProblem(name) !== null || valueProblem(value) !== null || exists) return;
    setBusy(true);
    try {
      const saved = await api.set(name, value);
      setMessage({ tone: "success", text: savedText(saved.secret.name, saved.created) });
      setName("");
      setValue("");
      setSubmitted(false);
      await load();
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  async function replace(event: FormEvent) {
    event.preventDefault();
    setReplaceSubmitted(true);
    if (replacing === null || valueProblem(replacement) !== null) return;
    setBusy(true);
    try {
      const saved = await api.set(replacing, replacement);
      setMessage({ tone: "success", text: savedText(saved.secret.name, saved.created) });
      closeReplace();
      await load();
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  function closeReplace() {
    setReturnTo(replacing);
    setReplacing(null);
    setReplacement("");
    setReplaceSubmitted(false);
  }

  async function remove() {
    const target = deleting;
    setDeleting(null);
    if (target === null) return;
    setBusy(true);
    try {
      await api.delete(target);
      setMessage({ tone: "success", text: `Deleted secret ${target}.` });
      if (replacing === target) closeReplace();
      await load();
      document.getElementById("secrets-title")?.focus();
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="secrets" aria-labelledby="secrets-title" aria-busy={secrets === null}>
      <div className="secrets__intro">
        <h2 id="secrets-title" tabIndex={-1}>
          Secrets
        </h2>
        <p>
          Values your jobs read by name, such as another service's API key, so no secret sits in their code:{" "}
          <code>await getSecret("OPENAI_API_KEY")</code>. They are stored encrypted on the broker.
        </p>
        <p className="muted">
          A value is write-only: once saved it is never shown on this page, so nothing running in the page can
          take it. Replace it, or read it in a terminal with <code>ferry secrets get NAME</code>.
        </p>
      </div>

      {message !== null && (
        <Notice tone={message.tone} onDismiss={() => setMessage(null)}>
          <p>{message.text}</p>
        </Notice>
      )}

      <form className="secret-form" onSubmit={add} noValidate aria-labelledby="add-secret-title">
        <h3 id="add-secret-title">Add a secret</h3>
        <div className="secret-field">
          <label className="field-label" htmlFor="secret-name">
            Name
          </label>
          <input
            id="secret-name"
            className="secret-input"
            value={name}
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="characters"
            maxLength={200}
            placeholder="OPENAI_API_KEY"
            aria-invalid={nameError !== null}
            aria-describedby={nameError !== null ? "secret-name-error" : "secret-name-hint"}
            onChange={(event) => {
              setName(event.target.value);
              // A form emptied again starts afresh, without the errors of the last attempt.
              if (event.target.value === "" && value === "") setSubmitted(false);
            }}
          />
          {nameError !== null ? (
            <p id="secret-name-error" className="field-error">
              {nameError}
            </p>
          ) : (
            <p id="secret-name-hint" className="field-hint">
              Letters, digits and _, starting with a letter. Names are case-sensitive.
            </p>
          )}
        </div>
        <SecretValueField
          id="secret-value"
          label="Value"
          value={value}
          showError={submitted}
          onChange={(next) => {
            setValue(next);
            if (next === "" && name === "") setSubmitted(false);
          }}
        />
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            Save secret
          </button>
        </div>
      </form>

      <div className="secret-list-wrap">
        <h3 id="secret-list-title">Your secrets</h3>
        {secrets === null && <p className="muted">Loading…</p>}
        {secrets !== null && secrets.length === 0 && (
          <p className="muted">
            No secrets yet. Add one above, or run <code>ferry secrets set NAME</code>.
          </p>
        )}
        {secrets !== null && secrets.length > 0 && (
          <ul className="secret-list" aria-labelledby="secret-list-title">
            {secrets.map((secret) => (
              <li key={secret.name} className="secret-row" aria-label={secret.name}>
                <div className="secret-row__main">
                  <code className="secret-name">{secret.name}</code>
                  <span className="secret-row__times muted">
                    Updated <time dateTime={secret.updatedAt}>{formatTime(secret.updatedAt)}</time>
                    {secret.updatedAt !== secret.createdAt && (
                      <>
                        {" "}
                        · created <time dateTime={secret.createdAt}>{formatTime(secret.createdAt)}</time>
                      </>
                    )}
                  </span>
                  <span className="secret-row__value">
                    <span aria-hidden="true">••••••••</span>
                    <span className="visually-hidden">value hidden</span>
                  </span>
                </div>
                <div className="secret-row__actions">
                  <button
                    type="button"
                    id={`replace-button-${secret.name}`}
                    className="button"
                    disabled={busy}
                    aria-expanded={replacing === secret.name}
                    aria-label={`Replace ${secret.name}`}
                    onClick={() => {
                      setReplacing(replacing === secret.name ? null : secret.name);
                      setReplacement("");
                      setReplaceSubmitted(false);
                    }}
                  >
                    Replace
                  </button>
                  <button
                    type="button"
                    className="button button--danger"
                    disabled={busy}
                    aria-label={`Delete ${secret.name}`}
                    onClick={() => setDeleting(secret.name)}
                  >
                    Delete
                  </button>
                </div>
                {replacing === secret.name && (
                  <form className="secret-replace" onSubmit={replace} noValidate>
                    <SecretValueField
                      id={`replace-${secret.name}`}
                      label={`New value for ${secret.name}`}
                      value={replacement}
                      showError={replaceSubmitted}
                      onChange={setReplacement}
                    />
                    <div className="actions">
                      <button type="submit" className="button button--primary" disabled={busy}>
                        Replace value
                      </button>
                      <button type="button" className="button button--quiet" onClick={closeReplace}>
                        Cancel
                      </button>
                    </div>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>

      <DeleteSecretDialog name={deleting} onCancel={() => setDeleting(null)} onConfirm={remove} />
    </section>
  );
}

function existsText(name: string): string {
  return `A secret named ${name} already exists. To change its value, use Replace in the list below.`;
}

function savedText(name: string, created: boolean): string {
  return `${created ? "Saved" : "Replaced"} secret ${name}. Jobs read it with getSecret("${name}"); its value is not shown again.`;
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong talking to the broker.";
}
