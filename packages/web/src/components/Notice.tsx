import type { ReactNode } from "react";

interface Props {
  tone: "success" | "error" | "info";
  title?: string;
  children: ReactNode;
  onDismiss?: () => void;
}

/** A message about something that just happened; errors are announced at once, the rest politely. */
export function Notice({ tone, title, children, onDismiss }: Props) {
  return (
    <div className={`notice notice--${tone}`} role={tone === "error" ? "alert" : "status"}>
      <div className="notice__body">
        {title !== undefined && <p className="notice__title">{title}</p>}
        {children}
      </div>
      {onDismiss !== undefined && (
        <button type="button" className="notice__close" aria-label="Dismiss message" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}
