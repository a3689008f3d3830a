import type { Disconnected, Integration, MintedToken, Session } from "./types.ts";

/** A broker answer other than 2xx, with the broker's `{ error: { code, message } }` when it sent one. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The broker's API, same origin, authenticated by the HttpOnly session cookie. Every state-changing request
 * carries the session's CSRF token in `X-CSRF-Token` (the broker refuses cookie-authenticated POST/DELETE
 * without it).
 */
export class BrokerApi {
  constructor(private readonly csrfToken: string | null = null) {}

  static session(): Promise<Session> {
    return request<Session>("GET", "/api/v1/session", null);
  }

  /** `check`: the broker tries the stored token at Microsoft first, so a revoked grant shows up now. */
  async onedrive(check: boolean): Promise<Integration> {
    const { integrations } = await request<{ integrations: Integration[] }>(
      "GET",
      `/api/v1/integrations${check ? "?check=1" : ""}`,
      null,
    );
    const onedrive = integrations.find((i) => i.provider === "onedrive");
    if (onedrive === undefined) throw new ApiError(500, "internal_error", "The broker listed no OneDrive.");
    return onedrive;
  }

  async startConnect(): Promise<string> {
    const { authorizationUrl } = await request<{ authorizationUrl: string }>(
      "POST",
      "/api/v1/integrations/onedrive/connect",
      this.csrfToken,
      {},
    );
    return authorizationUrl;
  }

  mintToken(): Promise<MintedToken> {
    return request<MintedToken>("POST", "/api/v1/integrations/onedrive/token", this.csrfToken, {});
  }

  disconnect(): Promise<Disconnected> {
    return request<Disconnected>("DELETE", "/api/v1/integrations/onedrive", this.csrfToken);
  }

  async logout(): Promise<void> {
    await request<undefined>("POST", "/api/v1/logout", this.csrfToken, {});
  }
}

async function request<T>(
  method: "GET" | "POST" | "DELETE",
  path: string,
  csrfToken: string | null,
  body?: object,
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", "The Ferry broker could not be reached. Is it still running?");
  }
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | undefined;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      json?.error?.code ?? "http_error",
      json?.error?.message ?? `The broker answered HTTP ${response.status}.`,
    );
  }
  return json as T;
}
