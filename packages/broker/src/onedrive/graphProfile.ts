/** Who the tokens belong to, from Graph's /me. */
export interface GraphProfile {
  id: string;
  /** `mail ?? userPrincipalName`: personal accounts often have `mail: null`. */
  email: string;
  name: string | null;
}

export class GraphProfileError extends Error {
  override name = "GraphProfileError";
}

const TIMEOUT_MS = 15_000;

export async function fetchGraphProfile(
  graphUrl: string,
  accessToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<GraphProfile> {
  let response: Response;
  try {
    response = await fetchImpl(`${graphUrl}/me`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new GraphProfileError("could not reach Microsoft Graph to read the account's profile (/me)");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new GraphProfileError(`Microsoft Graph answered HTTP ${response.status} for /me`);
  }
  const me = (await response.json().catch(() => undefined)) as
    | { id?: unknown; mail?: unknown; userPrincipalName?: unknown; displayName?: unknown }
    | undefined;
  const email = typeof me?.mail === "string" && me.mail !== "" ? me.mail : me?.userPrincipalName;
  if (typeof me?.id !== "string" || typeof email !== "string") {
    throw new GraphProfileError("Microsoft Graph's /me answer had no id or user principal name");
  }
  return { id: me.id, email, name: typeof me.displayName === "string" ? me.displayName : null };
}
