import { type ReactNode, useEffect, useRef } from "react";

interface Props {
  open: boolean;
  /** The element ids the dialog is labelled and described by (unique on the page). */
  id: string;
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  onCancel: () => void;
  onConfirm: () => void;
}

/**
 * A confirmation before something is deleted. A native modal <dialog> shown with showModal(): the browser traps
 * focus inside it, Escape cancels, and focus returns to the button that opened it when it closes.
 */
export function ConfirmDialog({ open, id, title, children, confirmLabel, onCancel, onConfirm }: Props) {
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
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <div id={`${id}-text`}>{children}</div>
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
