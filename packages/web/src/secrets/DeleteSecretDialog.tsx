import { ConfirmDialog } from "../components/ConfirmDialog.tsx";

interface Props {
  name: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}

/** Confirmation before a secret is deleted, naming it and what breaks. */
export function DeleteSecretDialog({ name, onCancel, onConfirm }: Props) {
  return (
    <ConfirmDialog
      open={name !== null}
      id="delete-secret"
      title={
        <>
          Delete secret <code className="secret-name">{name}</code>?
        </>
      }
      confirmLabel="Delete secret"
      onCancel={onCancel}
      onConfirm={onConfirm}
    >
      <p>
        Jobs that read it with <code>getSecret("{name}")</code> fail with <code>secret_not_found</code> until
        it is set again. The value cannot be recovered.
      </p>
    </ConfirmDialog>
  );
}
