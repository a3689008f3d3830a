import { ConfirmDialog } from "./ConfirmDialog.tsx";

interface Props {
  open: boolean;
  email: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}

/** Confirmation before the tokens are deleted; focus returns to the Disconnect button when it closes. */
export function DisconnectDialog({ open, email, onCancel, onConfirm }: Props) {
  return (
    <ConfirmDialog
      open={open}
      id="disconnect"
      title="Disconnect OneDrive?"
      confirmLabel="Disconnect"
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      <p>
        Ferry deletes every token it stored for {email ?? "this account"}. Jobs using your Ferry API key stop
        getting OneDrive access until you connect again.
      </p>
      <p>Your files in OneDrive are not touched.</p>
    </ConfirmDialog>
  );
}
