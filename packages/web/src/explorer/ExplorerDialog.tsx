import { type ReactNode, useEffect, useRef, useState } from "react";

interface Props {
  title: string;
  children?: ReactNode;
  /** Shown as a text field (new folder, rename) when set: its initial value. */
  nameField?: string;
  confirmLabel: string;
  danger?: boolean;
  /** The broker's refusal of the last attempt (a name that exists, a bad name), shown under the field. */
  error: string | null;
  busy: boolean;
  onCancel: () => void;
  onConfirm: (name: string) => void;
}

/**
 * A modal confirmation or name prompt: a native <dialog> shown with showModal(), so the browser traps focus in it and
 * Escape cancels; the dialog stays open with the broker's message when the change is refused.
 */
export function ExplorerDialog(props: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(props.nameField ?? "");

  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="explorer-dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
      data-testid="explorer-dialog"
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          props.onConfirm(name);
        }}
      >
        <h2 id="explorer-dialog-title">{props.title}</h2>
        {props.children}
        {props.nameField !== undefined && (
          <label className="dialog__field">
            <span className="field-label">Name</span>
            <input
              className="text-input"
              value={name}
              onChange={(event) => setName(event.target.value)}
              aria-invalid={props.error !== null}
              aria-describedby={props.error !== null ? "explorer-dialog-error" : undefined}
              autoFocus
            />
          </label>
        )}
        {props.error !== null && (
          <p id="explorer-dialog-error" className="dialog__error" role="alert">
            {props.error}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className={`button ${props.danger ? "button--danger" : "button--primary"}`}
            disabled={props.busy}
          >
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
