import type { Preview } from "@ferry/api";

export type PreviewState =
  | { kind: "loading"; path: string }
  | { kind: "shown"; path: string; preview: Preview }
  | { kind: "failed"; path: string; message: string };

interface Props {
  state: PreviewState;
  onClose: () => void;
}

/** The first rows of a data file as a table, with each column's name and type; or, plainly, why there are none. */
export function PreviewPanel({ state, onClose }: Props) {
  const name = state.path.slice(state.path.lastIndexOf("/") + 1);
  return (
    <section
      className="preview"
      aria-labelledby="preview-title"
      aria-busy={state.kind === "loading"}
      data-testid="preview"
    >
      <div className="preview__head">
        <h3 id="preview-title">Preview of {name}</h3>
        <button type="button" className="button button--quiet" onClick={onClose}>
          Close preview
        </button>
      </div>
      {state.kind === "loading" && <p className="muted">Reading the first rows…</p>}
      {state.kind === "failed" && <p role="alert">{state.message}</p>}
      {state.kind === "shown" && !state.preview.tabular && (
        <p data-testid="preview-message">{state.preview.message}</p>
      )}
      {state.kind === "shown" && state.preview.tabular && (
        <>
          <p className="muted">
            {state.preview.format.toUpperCase()}: the first {state.preview.rows.length} rows
            {state.preview.totalRows !== null ? ` of ${state.preview.totalRows.toLocaleString()}` : ""}
            {state.preview.truncated && state.preview.totalRows === null ? " (the file has more)" : ""}.
          </p>
          <section className="preview__scroll" aria-label="Preview rows">
            <table className="preview__table">
              <thead>
                <tr>
                  {state.preview.columns.map((column) => (
                    <th key={column.name} scope="col">
                      <span className="preview__column">{column.name}</span>
                      <span className="preview__type">{column.type}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {state.preview.rows.map((row, r) => (
                  // Rows have no identity but their position, which never changes within a preview.
                  // biome-ignore lint/suspicious/noArrayIndexKey: see above
                  <tr key={r}>
                    {row.map((value, c) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                      <td key={c} className={value === null ? "preview__null" : undefined}>
                        {value ?? "null"}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </section>
  );
}
