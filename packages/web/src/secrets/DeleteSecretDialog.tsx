import { useEffect, useRef } from "react";

interface Props {
  name: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}

/** Confirmation before a secret is deleted, naming it and what breaks; a native modal <dialog> (focus trap, Escape). */
export function DeleteSecretDialog({ name, onCancel, onConfirm }: Props) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (name !== null && !dialog.open) dialog.showModal();
    if (name === null && dialog.open) dialog.close();
  }, [name]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="delete-secret-title"
      aria-describedby="delete-secret-text"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="delete-secret-title">
        Delete secret <code className="secret-name">{name}</code>?
      </h2>
      <div id="delete-secret-text">
        <p>
          Jobs that read it with <code>getSecret("{name}")</code> fail with <code>secret_not_found</code>{" "}
          until it is set again. The value cannot be recovered.
        </p>
      </div>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={onConfirm}>
          Delete secret
        </button>
      </div>
    </dialog>
  );
}
