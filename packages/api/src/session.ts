// Who is calling: `GET /api/v1/session` (the page, with its CSRF token) and `GET /api/v1/me` (the CLI, any key).

export interface ApiUser {
  id: string;
  name: string;
  isAdmin: boolean;
}

/** How the request was authenticated: an API key in `Authorization: Bearer`, or the page's session cookie. */
export type AuthenticatedVia = "api_key" | "session";

export interface Session {
  user: ApiUser;
  via: AuthenticatedVia;
  /** Send it as `X-CSRF-Token` on every state-changing request; null for API-key callers, who need none. */
  csrfToken: string | null;
}

export interface Me {
  user: ApiUser;
  via: AuthenticatedVia;
  /** The API key's id, null for a session. */
  keyId: string | null;
}

/** `POST /api/v1/logout`: takes no fields, answers 204. */
export type LogoutRequest = Record<string, never>;
