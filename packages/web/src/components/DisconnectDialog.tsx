import { useEffect, useRef } from "react";

interface Props {
  open: boolean;
  email: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}

/**
 * Confirmation before the tokens are deleted. A native modal <dialog>: the browser traps focus inside it, Escape
 * cancels, and focus returns to the Disconnect button when it closes.
 */
export function DisconnectDialog({ open, email, onCancel, onConfirm }: Props) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="disconnect-title"
      aria-describedby="disconnect-text"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="disconnect-title">Disconnect OneDrive?</h2>
      <div id="disconnect-text">
        <p>
          Ferry deletes every token it stored for {email ?? "this account"}. Jobs using your Ferry API key
          stop getting OneDrive access until you connect again.
        </p>
        <p>Your files in OneDrive are not touched.</p>
      </div>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={onConfirm}>
          Disconnect
        </button>
      </div>
    </dialog>
  );
}
