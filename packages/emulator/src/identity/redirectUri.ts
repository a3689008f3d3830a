import type { AppRegistration } from "../options.ts";

/** `http://` + a loopback host + optional port, then the rest of the URI verbatim. */
const LOOPBACK = /^(http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]))(?::\d{1,5})?([/?].*)?$/i;

/**
 * Whether `given` is one of the app's registered redirect URIs. The match is exact, character for
 * character (no normalisation of case, dot segments or escapes), which is what stops the authorize
 * endpoint from becoming an open redirector. The one exception is Microsoft's rule for native
 * apps: on a loopback host the port is ignored, since a desktop app listens on whatever port the
 * OS gives it.
 */
export function redirectUriRegistered(app: AppRegistration, given: string): boolean {
  if (given.includes("#")) return false; // RFC 6749 §3.1.2: a redirect URI has no fragment
  if (app.redirectUris.includes(given)) return true;
  const g = withoutPort(given);
  return g !== undefined && app.redirectUris.some((registered) => withoutPort(registered) === g);
}

function withoutPort(uri: string): string | undefined {
  const m = LOOPBACK.exec(uri);
  return m ? `${m[1]?.toLowerCase()}${m[2] ?? ""}` : undefined;
}
