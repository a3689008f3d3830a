interface Props {
  message: string;
  onRetry: () => void;
}

/** The broker could not answer: say so plainly, and offer to try again. */
export function UnavailableScreen({ message, onRetry }: Props) {
  return (
    <section className="panel panel--narrow" aria-labelledby="unavailable-title">
      <h1 id="unavailable-title">The page could not load</h1>
      <p role="alert">{message}</p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </section>
  );
}
