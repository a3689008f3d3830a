import type { SecretDeleted, SecretSaved, SecretSummary } from "@ferry/api";
import { request } from "../api.ts";

/**
 * The page's side of /api/v1/secrets: list, set and delete, with the session's CSRF token on every change. There is
 * no read: the broker refuses to hand a value to a session (secret_write_only), so nothing here could show one.
 */
export class SecretsApi {
  constructor(private readonly csrfToken: string | null) {}

  async list(): Promise<SecretSummary[]> {
    return (await request("GET", "/api/v1/secrets", null)).secrets;
  }

  set(name: string, value: string): Promise<SecretSaved> {
    return request("PUT", `/api/v1/secrets/${encodeURIComponent(name)}`, this.csrfToken, { value });
  }

  delete(name: string): Promise<SecretDeleted> {
    return request("DELETE", `/api/v1/secrets/${encodeURIComponent(name)}`, this.csrfToken);
  }
}
