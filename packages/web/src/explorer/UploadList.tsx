import { formatSize } from "./dataFormat.ts";

export interface UploadState {
  id: number;
  name: string;
  sent: number;
  total: number;
  status: "uploading" | "done" | "failed" | "cancelled";
  message: string | null;
  cancel: () => void;
}

/** Uploads under way and just finished, each with a progress bar and a way to stop it. */
export function UploadList({
  uploads,
  onDismiss,
}: {
  uploads: UploadState[];
  onDismiss: (id: number) => void;
}) {
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label="Uploads">
      {uploads.map((upload) => (
        <li key={upload.id} className={`uploads__item uploads__item--${upload.status}`} data-testid="upload">
          <div className="uploads__line">
            <span className="uploads__name">{upload.name}</span>
            <span className="muted">
              {upload.status === "uploading" && `${formatSize(upload.sent)} of ${formatSize(upload.total)}`}
              {upload.status === "done" && "Uploaded"}
              {upload.status === "cancelled" && "Cancelled"}
              {upload.status === "failed" && "Failed"}
            </span>
            {upload.status === "uploading" ? (
              <button type="button" className="button button--quiet" onClick={upload.cancel}>
                Cancel
              </button>
            ) : (
              <button type="button" className="button button--quiet" onClick={() => onDismiss(upload.id)}>
                Dismiss
              </button>
            )}
          </div>
          <progress
            max={Math.max(upload.total, 1)}
            value={upload.total === 0 && upload.status === "done" ? 1 : upload.sent}
            aria-label={`Upload of ${upload.name}`}
          />
          {upload.message !== null && <p role="alert">{upload.message}</p>}
        </li>
      ))}
    </ul>
  );
}
