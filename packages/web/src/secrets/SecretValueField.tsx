import { valueProblem } from "./secretRules.ts";

interface Props {
  id: string;
  label: string;
  value: string;
  showError: boolean;
  onChange: (value: string) => void;
}

/**
 * A secret's value as it is typed or pasted: multi-line (keys and JSON span lines), not spell-checked or
 * autocompleted (both can send text elsewhere), and masked by the font so a glance over a shoulder does not read it.
 */
export function SecretValueField({ id, label, value, showError, onChange }: Props) {
  const problem = showError ? valueProblem(value) : null;
  return (
    <div className="secret-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <textarea
        id={id}
        className="secret-input secret-input--value"
        value={value}
        rows={2}
        spellCheck={false}
        autoComplete="off"
        autoCorrect="off"
        autoCapitalize="off"
        data-1p-ignore
        aria-invalid={problem !== null}
        aria-describedby={problem !== null ? `${id}-error` : `${id}-hint`}
        onChange={(event) => onChange(event.target.value)}
      />
      {problem !== null ? (
        <p id={`${id}-error`} className="field-error">
          {problem}
        </p>
      ) : (
        <p id={`${id}-hint`} className="field-hint">
          Up to 64 KiB of text. Once saved it cannot be shown again, here or anywhere on this page.
        </p>
      )}
    </div>
  );
}
