// The broker's HTTP API as the CLI uses it: JSON in and out with the API key as a Bearer token, and
// the broker's `{ error: { code, message } }` turned into a CliError that says what to do next.

import type { ApiMethod, ApiPath, ApiRequestBody, ApiResponse, Integration, Me } from "@ferry/api";
import type { BrokerCredentials } from "ferry";
import { CliError } from "./errors.ts";

export class BrokerApi {
  constructor(readonly credentials: Omit<BrokerCredentials, "source"> & { source?: string }) {}

  /** The broker from FERRY_URL + FERRY_API_KEY or the credentials file, as user code finds it. */
  static async fromEnvironment(): Promise<BrokerApi> {
    // Loaded on use: "ferry" brings the whole filesystem and data-format stack with it.
    const { findCredentials } = await import("ferry");
    try {
      return new BrokerApi(findCredentials());
    } catch (error) {
      throw new CliError((error as Error).message, 1, { cause: error });
    }
  }

  get url(): string {
    return this.credentials.url.replace(/\/+$/, "");
  }

  /** One route of the broker's API (@ferry/api's ApiRoutes): its body and its answer are that route's types. */
  async request<M extends ApiMethod, P extends ApiPath<M>>(
    method: M,
    path: P,
    body?: ApiRequestBody<M, P>,
  ): Promise<ApiResponse<M, P>> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.credentials.apiKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the Ferry broker at ${this.url}: is it running? Start one with \`ferry dev\` or \`ferry serve\``,
        1,
        { cause: error },
      );
    }
    const text = await response.text();
    const data = text === "" ? undefined : safeJson(text);
    if (response.ok) return data as ApiResponse<M, P>;
    const error = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = error?.code ?? `http_${response.status}`;
    const message = error?.message ?? `HTTP ${response.status}`;
    if (response.status === 401) {
      throw new CliError(
        `the broker at ${this.url} refused the API key: run \`ferry login --url URL --api-key KEY\` with a valid key`,
      );
    }
    if (code === "not_configured") {
      throw new CliError(`${message} (set FERRY_MS_CLIENT_ID for \`ferry serve\`, or use \`ferry dev\`)`);
    }
    throw new CliError(`${message} [${code}]`);
  }

  me(): Promise<Me> {
    return this.request("GET", "/api/v1/me");
  }

  async onedrive(): Promise<Integration | undefined> {
    const { integrations } = await this.request("GET", "/api/v1/integrations");
    return integrations.find((i) => i.provider === "onedrive");
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
