// `ferry login`, `ferry logout`, `ferry whoami`: the credentials file in FERRY_HOME that the CLI and
// `onedriveConnect()` in user code both read.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { BrokerApi } from "../brokerApi.ts";
import { CliError } from "../errors.ts";
import { printJson } from "../output.ts";

/** This machine: 127.0.0.0/8, ::1 and localhost (which resolves only to loopback, RFC 6761). */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

export function registerAccount(program: Command): void {
  program
    .command("login")
    .description("save a broker URL and API key in the credentials file (mode 0600)")
    .requiredOption("--url <url>", "the Ferry broker, e.g. https://ferry.example.com")
    .requiredOption("--api-key <key>", "your Ferry API key (fry_…)")
    .option("--graph-url <url>", "Microsoft Graph's v1.0 base, when not the public one (an emulator)")
    .option(
      "--insecure",
      "allow a plain http:// URL to a broker on another machine (the key travels unencrypted)",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ferry login --url https://ferry.example.com --api-key fry_0123…\n  ferry login --url http://127.0.0.1:7878 --api-key $KEY --graph-url http://127.0.0.1:8080/v1.0\nPlain http:// is accepted only for this machine (127.0.0.1, localhost) unless --insecure is given.",
    )
    .action(async (options: { url: string; apiKey: string; graphUrl?: string; insecure?: boolean }) => {
      let url: URL;
      try {
        url = new URL(options.url);
      } catch {
        throw new CliError(`--url ${options.url} is not a URL; use e.g. https://ferry.example.com`, 2);
      }
      if (url.protocol === "http:" && !isLoopback(url.hostname) && options.insecure !== true) {
        // Every later request would carry the API key in cleartext across the network.
        throw new CliError(
          `--url ${url.origin} is plain http:// to another machine, so the API key would cross the network unencrypted: use https://${url.host}, or pass --insecure if this network is trusted`,
          2,
        );
      }
      const credentials = {
        url: options.url.replace(/\/+$/, ""),
        apiKey: options.apiKey,
        ...(options.graphUrl ? { graphUrl: options.graphUrl } : {}),
      };
      // Verify before saving, so a typo fails here and not in the middle of a later job.
      const me = await new BrokerApi(credentials).me();
      const { writeCredentials } = await import("ferry");
      const file = writeCredentials(credentials);
      process.stdout.write(
        `Logged in to ${credentials.url} as ${me.user.name}; credentials saved in ${file}\n`,
      );
    });

  program
    .command("logout")
    .description("delete the credentials file (the API key itself stays valid until revoked)")
    .addHelpText("after", "\nExamples:\n  ferry logout")
    .action(async () => {
      const { CREDENTIALS_FILE, ferryHome } = await import("ferry");
      const file = join(ferryHome(), CREDENTIALS_FILE);
      await rm(file, { force: true });
      process.stdout.write(
        `Removed ${file}. To invalidate the key itself, revoke it: ferry keys revoke --user NAME KEY_ID\n`,
      );
    });

  program
    .command("whoami")
    .description("the broker, user and OneDrive account the CLI is using")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  ferry whoami\n  ferry whoami --json")
    .action(async (options: { json?: boolean }) => {
      const { findCredentials } = await import("ferry");
      const credentials = (() => {
        try {
          return findCredentials();
        } catch (error) {
          throw new CliError((error as Error).message);
        }
      })();
      const api = new BrokerApi(credentials);
      const [me, onedrive] = await Promise.all([api.me(), api.onedrive()]);
      const account =
        onedrive?.status === "connected" ? (onedrive.account?.email ?? onedrive.account?.name) : undefined;
      if (options.json) {
        return printJson({
          broker: api.url,
          source: credentials.source,
          user: me.user,
          onedrive: { status: onedrive?.status ?? "disconnected", account: account ?? null },
        });
      }
      process.stdout.write(
        `User ${me.user.name}${me.user.isAdmin ? " (admin)" : ""} at ${api.url} (from the ${credentials.source})\n` +
          `OneDrive: ${account ? `connected as ${account}` : (onedrive?.status ?? "disconnected")}\n`,
      );
    });
}
