import type {
  ApiMethod,
  ApiPath,
  ApiRequestBody,
  ApiResponse,
  Disconnected,
  Integration,
  MintedToken,
  Session,
} from "@ferry/api";

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
  constructor(readonly csrfToken: string | null = null) {}

  static session(): Promise<Session> {
    return request("GET", "/api/v1/session", null);
  }

  /** `check`: the broker tries the stored token at Microsoft first, so a revoked grant shows up now. */
  async onedrive(check: boolean): Promise<Integration> {
    const { integrations } = await request(
      "GET",
      check ? "/api/v1/integrations?check=1" : "/api/v1/integrations",
      null,
    );
    const onedrive = integrations.find((i) => i.provider === "onedrive");
    if (onedrive === undefined) throw new ApiError(500, "internal_error", "The broker listed no OneDrive.");
    return onedrive;
  }

  async startConnect(): Promise<string> {
    const { authorizationUrl } = await request(
      "POST",
      "/api/v1/integrations/onedrive/connect",
      this.csrfToken,
      {},
    );
    return authorizationUrl;
  }

  mintToken(): Promise<MintedToken> {
    return request("POST", "/api/v1/integrations/onedrive/token", this.csrfToken, {});
  }

  disconnect(): Promise<Disconnected> {
    return request("DELETE", "/api/v1/integrations/onedrive", this.csrfToken);
  }

  async logout(): Promise<void> {
    await request("POST", "/api/v1/logout", this.csrfToken, {});
  }
}

/** One route of the broker's API (@ferry/api's ApiRoutes): its body and its answer are that route's types. */
export async function request<M extends ApiMethod, P extends ApiPath<M>>(
  method: M,
  path: P,
  csrfToken: string | null,
  body?: ApiRequestBody<M, P>,
  signal?: AbortSignal,
): Promise<ApiResponse<M, P>> {
  type T = ApiResponse<M, P>;
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
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
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
