import {
  type AuthenticationProvider,
  Client,
  type Context,
  type Middleware,
  MiddlewareFactory,
} from "@microsoft/microsoft-graph-client";

/**
 * A Graph SDK client pointed at the emulator, with the SDK's default middleware chain and one
 * change. The SDK's AuthenticationHandler attaches the token only to URLs of Graph's own or
 * listed hosts (see `isValidEndpoint` in its GraphRequestUtil), and the emulator is 127.0.0.1. The
 * replacement applies the same rule — token for Graph API URLs, none for anything else, such as
 * upload-session and download URLs — with the emulator's origin standing in for
 * graph.microsoft.com. The emulator must serve TLS (`--tls`): the SDK treats only https:// URLs
 * as absolute (nextLink, uploadUrl).
 *
 * Shared by the emulator's SDK test and the benchmark's SDK contender, so both drive the SDK alike.
 */
export function sdkClient(graphUrl: string, getAccessToken: () => Promise<string>): Client {
  const authProvider: AuthenticationProvider = { getAccessToken };
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(authProvider);
  chain[0] = new EmulatorAuthentication(authProvider, `${graphUrl}/`);
  const origin = new URL(graphUrl).origin;
  return Client.initWithMiddleware({ baseUrl: `${origin}/`, defaultVersion: "v1.0", middleware: chain });
}

class EmulatorAuthentication implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly provider: AuthenticationProvider,
    private readonly graphBase: string,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const headers = new Headers(context.options?.headers as HeadersInit | undefined);
    if (url.startsWith(this.graphBase))
      headers.set("Authorization", `Bearer ${await this.provider.getAccessToken()}`);
    else headers.delete("Authorization");
    context.options = { ...context.options, headers: Object.fromEntries(headers) };
    await this.next?.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
