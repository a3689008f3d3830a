import { REQUESTED_SCOPES, SCOPE_DESCRIPTIONS } from "../scopes.ts";

interface Props {
  /** The scopes Microsoft granted, when connected; null shows what Ferry asks for. */
  granted: string[] | null;
}

/** The permissions Ferry asks Microsoft for, each in one line. */
export function ScopeList({ granted }: Props) {
  return (
    <div className="scopes">
      <h3>Permissions</h3>
      <ul className="scope-list">
        {REQUESTED_SCOPES.map((scope) => (
          <li key={scope} className="scope">
            <code className="scope__name">{scope}</code>
            <span className="scope__text">{SCOPE_DESCRIPTIONS[scope]}</span>
            {granted !== null && !granted.some((g) => g.toLowerCase() === scope.toLowerCase()) && (
              <span className="scope__missing">Not granted</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
