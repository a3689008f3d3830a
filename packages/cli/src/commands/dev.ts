// `ferry dev`: see devStack.ts.

import type { Command } from "commander";
import { CliError, EXIT_FAILURE, UsageError } from "../errors.ts";
import { onShutdown } from "../shutdown.ts";

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("run a local stack: OneDrive emulator + broker + web page, logged in and ready")
    .option(
      "--port <port>",
      "the broker's port (fixed, because the OAuth redirect URI is built from it)",
      "7878",
    )
    .option("--emulator-port <port>", "the emulator's port (0: any free one)", "0")
    .option(
      "--seed-demo-files",
      "put the example files (reports/q1.csv, exports/cities.parquet, …) in the drive",
    )
    .option(
      "--auto-consent <account>",
      "emulated account that signs in without a page (personal, work)",
      "personal",
    )
    .option("--no-auto-consent", "show the emulator's sign-in page instead")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry dev --seed-demo-files\n  ferry dev --port 9000\nThen, in another terminal:\n  ferry integrations onedrive connect\n  ferry ls onedrive://",
    )
    .action(
      async (options: {
        port: string;
        emulatorPort: string;
        seedDemoFiles?: boolean;
        autoConsent: string | false;
      }) => {
        const port = Number(options.port);
        const emulatorPort = Number(options.emulatorPort);
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          throw new UsageError(`--port ${options.port} is not a port (1-65535)`);
        if (!Number.isInteger(emulatorPort) || emulatorPort < 0 || emulatorPort > 65535)
          throw new UsageError(`--emulator-port ${options.emulatorPort} is not a port`);
        const { startDevStack } = await import("../devStack.ts");
        const stack = await startDevStack({
          port,
          emulatorPort,
          autoConsent: options.autoConsent === false ? undefined : options.autoConsent,
          seedDemoFiles: options.seedDemoFiles === true,
          account: options.autoConsent === false ? "personal" : options.autoConsent,
        }).catch((error: unknown) => {
          // errors.ts names a port in use and says --port; the emulator's has a flag of its own.
          const { code, port: busy } = error as { code?: string; port?: number };
          if (code === "EADDRINUSE" && busy === emulatorPort && emulatorPort !== port) {
            throw new CliError(
              `the emulator's port ${busy} is already in use: choose another with --emulator-port, or 0 for any free one`,
              EXIT_FAILURE,
              { cause: error },
            );
          }
          throw error;
        });
        process.stdout.write(
          [
            `Ferry dev stack running (data in ${stack.home})`,
            `  broker:    ${stack.broker.url}`,
            `  emulator:  ${stack.emulator.url}`,
            `  user:      ${stack.userName} (credentials in ${stack.credentialsFile})`,
            `  web page:  ${stack.loginUrl}`,
            "             (one-time login link, valid 15 minutes)",
            ...(stack.generatedMasterKeyFile
              ? [
                  `Generated a new master key in ${stack.generatedMasterKeyFile}: it decrypts the stored tokens.`,
                ]
              : []),
            "Next: ferry integrations onedrive connect   — Ctrl-C stops everything",
            "",
          ].join("\n"),
        );
        await onShutdown(() => stack.close());
      },
    );
}
