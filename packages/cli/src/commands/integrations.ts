// `ferry integrations …`: connect OneDrive (browser or device code), print a token, disconnect, list.

import type { Command } from "commander";
import { BrokerApi } from "../brokerApi.ts";
import { CliError } from "../errors.ts";
import { paint, printJson, printTable } from "../output.ts";
import { startSpinner } from "../spinner.ts";

const POLL_MS = 500;

export function registerIntegrations(program: Command): void {
  const integrations = program
    .command("integrations")
    .description("connect, list and disconnect providers (OneDrive)")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry integrations list\n  ferry integrations onedrive connect\n  ferry integrations onedrive token",
    );

  integrations
    .command("list")
    .description("every provider with its status, account and last refresh")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  ferry integrations list\n  ferry integrations list --json | jq .")
    .action(async (options: { json?: boolean }) => {
      const api = await BrokerApi.fromEnvironment();
      const { integrations: list } = await api.request("GET", "/api/v1/integrations");
      if (options.json) return printJson(list);
      printTable(
        list.map((i) => ({
          provider: i.provider,
          status: paint(i.status === "connected" ? "green" : "yellow", i.status),
          account: i.account?.email ?? i.account?.name ?? "-",
          "last refresh": i.lastRefreshAt ?? "-",
        })),
      );
    });

  const onedrive = integrations
    .command("onedrive")
    .description("Microsoft OneDrive")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry integrations onedrive connect\n  ferry integrations onedrive connect --device\n  ferry integrations onedrive revoke",
    );

  onedrive
    .command("connect")
    .description("sign in to Microsoft and connect OneDrive (waits until the broker reports it)")
    .option("--device", "use a device code: sign in on another device")
    .option("--no-browser", "print the sign-in URL without opening a browser")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry integrations onedrive connect              # opens your browser\n  ferry integrations onedrive connect --no-browser # prints the URL only\n  ferry integrations onedrive connect --device     # for a machine without a browser",
    )
    .action(async (options: { device?: boolean; browser: boolean }) => {
      const api = await BrokerApi.fromEnvironment();
      if (options.device) await connectWithDeviceCode(api);
      else await connectInBrowser(api, options.browser);
      const connection = await api.onedrive();
      process.stdout.write(
        `Connected as ${connection?.account?.email ?? connection?.account?.name ?? "?"}\n`,
      );
    });

  onedrive
    .command("token")
    .description("print a fresh OneDrive (Microsoft Graph) access token")
    .addHelpText(
      "after",
      '\nExamples:\n  curl -H "Authorization: Bearer $(ferry integrations onedrive token)" https://graph.microsoft.com/v1.0/me/drive',
    )
    .action(async () => {
      const api = await BrokerApi.fromEnvironment();
      const { accessToken } = await api.request("POST", "/api/v1/integrations/onedrive/token", {});
      if (process.stdout.isTTY) {
        process.stderr.write(
          `${paint("yellow", "warning:", process.stderr)} this token grants access to your OneDrive until it expires; do not paste it anywhere shared\n`,
        );
      }
      process.stdout.write(`${accessToken}\n`);
    });

  onedrive
    .command("revoke")
    .description("disconnect OneDrive: delete every token Ferry stored for it")
    .addHelpText("after", "\nExamples:\n  ferry integrations onedrive revoke")
    .action(async () => {
      const api = await BrokerApi.fromEnvironment();
      const result = await api.request("DELETE", "/api/v1/integrations/onedrive");
      process.stdout.write(`${result.message}\n`);
      for (const how of Object.values(result.removeAccess)) process.stdout.write(`  - ${how}\n`);
    });
}

async function connectInBrowser(api: BrokerApi, browser: boolean): Promise<void> {
  const since = Date.now();
  const { authorizationUrl, expiresAt } = await api.request(
    "POST",
    "/api/v1/integrations/onedrive/connect",
    {},
  );
  // The broker's own start link, not Microsoft's: the browser that opens it is the one that may finish the
  // sign-in, after a page naming this Ferry user and a confirmation naming the Microsoft account.
  process.stdout.write(
    `Open this URL to sign in to Microsoft and connect OneDrive (it works once, in the browser that opens it; do not share it):\n  ${authorizationUrl}\n`,
  );
  // A browser only makes sense when a person is at this terminal; in scripts and CI the URL is enough.
  if (browser && process.stdout.isTTY) {
    const { default: open } = await import("open");
    await open(authorizationUrl).catch(() => undefined);
  }
  const spinner = startSpinner("Waiting for you to sign in…");
  try {
    // Reconnecting updates the same row, so "connected" alone may be the old connection: wait for one
    // made after this flow started.
    await pollUntil(Date.parse(expiresAt), async () => {
      const c = await api.onedrive();
      return c?.status === "connected" && c.connectedAt !== null && Date.parse(c.connectedAt) >= since - 1000;
    });
  } finally {
    spinner.stop();
  }
}

async function connectWithDeviceCode(api: BrokerApi): Promise<void> {
  const started = await api.request("POST", "/api/v1/integrations/onedrive/device", {});
  process.stdout.write(
    `On any device, open ${started.verificationUri} and enter the code ${started.userCode}\n` +
      `User code: ${started.userCode}\nVerification URL: ${started.verificationUri}\n`,
  );
  const spinner = startSpinner("Waiting for the sign-in to finish…");
  try {
    // The broker polls Microsoft; we only ask the broker how that is going.
    await pollUntil(Date.parse(started.expiresAt), async () => {
      const { status, detail } = await api.request("GET", "/api/v1/integrations/onedrive/device");
      if (status === "connected") return true;
      if (status === "declined" || status === "expired" || status === "failed") {
        throw new CliError(
          `the device sign-in ${status}${detail ? ` (${detail})` : ""}: run \`ferry integrations onedrive connect --device\` again`,
        );
      }
      return false;
    });
  } finally {
    spinner.stop();
  }
}

async function pollUntil(deadline: number, done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) {
    if (Date.now() > deadline) {
      throw new CliError(
        "the sign-in expired before it was completed: run `ferry integrations onedrive connect` again",
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
