// `onedriveConnect()`: the connection a job uses. It is the OneDrive client core with tokens from
// the broker, plus the `onedrive://` filesystem over it, registered as the current connection.

import type { MintedToken } from "@ferry/api";
import { OneDriveFileSystem, setDefaultOneDrive } from "@ferry/fs";
import { DEFAULT_GRAPH_URL, OneDriveClient, type OneDriveClientOptions } from "@ferry/graph";
import { type BrokerTokenSource, brokerTokenSource } from "./brokerTokenSource.ts";
import { type BrokerCredentials, findCredentials } from "./credentials.ts";

export interface ConnectOptions extends Partial<Omit<OneDriveClientOptions, "token" | "baseUrl">> {
  /** The broker's URL; with `apiKey`, overrides FERRY_URL and the credentials file. */
  url?: string;
  apiKey?: string;
  /** Graph's v1.0 base (default: FERRY_GRAPH_URL, the credentials file, then Microsoft's). */
  graphUrl?: string;
}

export class OneDriveConnection extends OneDriveClient {
  /** The `onedrive://` filesystem over this connection. */
  readonly fs: OneDriveFileSystem;
  readonly broker: Pick<BrokerCredentials, "url" | "source">;
  private readonly tokens: BrokerTokenSource;

  constructor(credentials: BrokerCredentials, options: ConnectOptions = {}) {
    const tokens = brokerTokenSource(credentials, options.fetch ?? fetch);
    const { url: _url, apiKey: _key, graphUrl: _graph, ...clientOptions } = options;
    super({
      ...clientOptions,
      token: tokens,
      baseUrl: options.graphUrl ?? credentials.graphUrl ?? DEFAULT_GRAPH_URL,
    });
    this.tokens = tokens;
    this.fs = new OneDriveFileSystem(this);
    this.broker = { url: credentials.url, source: credentials.source };
  }

  /** The connected Microsoft account, as the broker last reported it. */
  async account(): Promise<MintedToken["account"]> {
    await this.token();
    return (this.tokens.last() as MintedToken).account;
  }
}

let current: OneDriveConnection | undefined;

/**
 * Connects to OneDrive through the Ferry broker found in the options, FERRY_URL + FERRY_API_KEY, or
 * the credentials file. The connection becomes the one `onedrive://` paths use.
 */
export function onedriveConnect(options: ConnectOptions = {}): OneDriveConnection {
  const connection = new OneDriveConnection(findCredentials(options), options);
  current = connection;
  setDefaultOneDrive(connection.fs);
  return connection;
}

/** The current connection, made on first use from the environment, for bare `onedrive://` paths. */
export function currentConnection(): OneDriveConnection {
  current ??= onedriveConnect();
  return current;
}

// `readCsv("onedrive://…")` works with no set-up: the first such path connects from the environment.
setDefaultOneDrive(() => currentConnection().fs);
