interface Props {
  userName: string | null;
  onSignOut: () => void;
}

/** The top bar: Ferry's name, and who is signed in with a way out. */
export function AppHeader({ userName, onSignOut }: Props) {
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <span className="brand">
          <span className="brand__mark" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="20" height="20" focusable="false" aria-hidden="true">
              <path
                fill="currentColor"
                d="M4 14h16l-2.2 4.4a2 2 0 0 1-1.8 1.1H8a2 2 0 0 1-1.8-1.1L4 14zm3-5h10v3.5H7V9zm3-4h4v2.5h-4V5z"
              />
            </svg>
          </span>
          Ferry
        </span>
        {userName !== null && (
          <div className="app-header__user">
            <span className="app-header__name">
              Signed in as <strong>{userName}</strong>
            </span>
            <button type="button" className="button button--quiet" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        )}
      </div>
    </header>
  );
}
