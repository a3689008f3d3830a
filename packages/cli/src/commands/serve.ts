// `ferry serve`: the broker in the foreground, configured like any twelve-factor service.

import type { Command } from "commander";
import { brokerConfig } from "../brokerConfig.ts";
import { UsageError } from "../errors.ts";
import { onShutdown } from "../shutdown.ts";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the Ferry broker (configured from FERRY_* environment variables; flags override them)")
    .option("--home <dir>", "data directory (FERRY_HOME)")
    .option("--database-url <url>", "sqlite:/path/ferry.db or postgres://… (FERRY_DATABASE_URL)")
    .option("--public-url <url>", "where browsers reach the broker (FERRY_PUBLIC_URL)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (default: the public URL's port)")
    .option(
      "--trust-proxy <proxies>",
      "behind a reverse proxy: how many proxies (1), or their addresses (10.0.0.5,10.0.0.0/24) (FERRY_TRUST_PROXY)",
    )
    .option("--log-level <level>", "pino log level: info, warn, error, silent", "info")
    .addHelpText(
      "after",
      "\nExamples:\n  FERRY_MS_CLIENT_ID=… ferry serve\n  ferry serve --public-url https://ferry.example.com --host 0.0.0.0 --port 8080\n  ferry serve --public-url https://ferry.example.com --trust-proxy 10.0.0.5   # behind nginx at 10.0.0.5\n  FERRY_DATABASE_URL=postgres://ferry@db/ferry FERRY_MASTER_KEY=… ferry serve",
    )
    .action(
      async (options: {
        home?: string;
        databaseUrl?: string;
        publicUrl?: string;
        host: string;
        port?: string;
        trustProxy?: string;
        logLevel: string;
      }) => {
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
          throw new UsageError(`--port ${options.port} is not a port (0-65535)`);
        const { startBroker } = await import("@ferry/broker");
        const config = await brokerConfig({
          FERRY_HOME: options.home,
          FERRY_DATABASE_URL: options.databaseUrl,
          FERRY_PUBLIC_URL: options.publicUrl,
          FERRY_TRUST_PROXY: options.trustProxy,
        });
        const broker = await startBroker(config, {
          host: options.host,
          ...(port !== undefined ? { port } : {}),
          // Logs go to stderr so stdout stays the human summary below.
          logger: { level: options.logLevel, stream: process.stderr },
        });
        // One write, so whoever waits for "listening" also has the notices below it.
        const lines = [`Ferry broker listening on ${broker.url} (public URL ${config.publicUrl})`];
        if (broker.generatedMasterKeyFile) {
          lines.push(
            `Generated a new master key in ${broker.generatedMasterKeyFile}. Back it up: without it the stored tokens cannot be decrypted.`,
          );
        }
        if (!config.microsoft.clientId) {
          lines.push("FERRY_MS_CLIENT_ID is not set: connecting OneDrive will fail until it is.");
        }
        process.stdout.write(`${lines.join("\n")}\n`);
        await onShutdown(() => broker.close());
      },
    );
}
