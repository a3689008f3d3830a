import { PageIntro } from "./PageIntro.tsx";

/** The page's frame while the session loads: the same heading and boxes, so nothing moves when it arrives. */
export function PageSkeleton() {
  return (
    <div className="layout" aria-busy="true">
      <PageIntro />
      <div className="card card--placeholder skeleton" />
      <div className="aside aside--placeholder skeleton" />
      <span className="visually-hidden" role="status">
        Loading…
      </span>
    </div>
  );
}
