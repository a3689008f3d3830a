// `ferry secrets set|list|get|rm`: the user's secrets in the broker, for jobs to read with getSecret("NAME").
// A value never comes from an argument (it would land in shell history and in `ps` for every user of the machine):
// `set` reads standard input, or asks at a hidden prompt on a terminal.

import type { Command } from "commander";
import { BrokerApi } from "../brokerApi.ts";
import { CliError, UsageError } from "../errors.ts";
import { paint, printJson, printTable } from "../output.ts";

/** The broker's limit (64 KiB); reading stops just past it, so a huge pipe is refused without being held. */
const MAX_VALUE_BYTES = 64 * 1024;

export function registerSecrets(program: Command): void {
  const secrets = program
    .command("secrets")
    .description(
      "keep secrets (API keys of other services) for your jobs; they read them with getSecret(NAME)",
    )
    .addHelpText(
      "after",
      '\nExamples:\n  ferry secrets set OPENAI_API_KEY            # asks for the value, hidden\n  printf %s "$TOKEN" | ferry secrets set GITHUB_TOKEN\n  ferry secrets set SERVICE_ACCOUNT < service-account.json\n  ferry secrets list\n  ferry secrets rm OPENAI_API_KEY\nIn a job: import { getSecret } from "ferry"; const key = await getSecret("OPENAI_API_KEY");',
    );

  secrets
    .command("set <name>")
    .description("create or replace a secret; the value comes from standard input or a hidden prompt")
    .option("--keep-newline", "keep a trailing newline of standard input (by default one is dropped)")
    // Excess arguments are accepted only to refuse them with a message that says why (see the action).
    .allowExcessArguments(true)
    .addHelpText(
      "after",
      '\nThe value is never taken from the command line, where it would land in your shell history.\nNames: letters, digits and _, starting with a letter, at most 128 characters. Values: up to 64 KiB of text.\n\nExamples:\n  ferry secrets set OPENAI_API_KEY\n  printf %s "$TOKEN" | ferry secrets set GITHUB_TOKEN\n  ferry secrets set TLS_KEY --keep-newline < key.pem',
    )
    .action(async (name: string, options: { keepNewline?: boolean }, command: Command) => {
      if (command.args.length > 1) {
        throw new UsageError(
          "ferry secrets set takes the value from standard input or a hidden prompt, never from an argument " +
            `(it would stay in your shell history): run \`ferry secrets set ${name}\` and paste it. Nothing was stored; ` +
            "if that value is real, consider it exposed and rotate it.",
        );
      }
      const value = process.stdin.isTTY
        ? await promptHidden(`Value for ${name} (input hidden): `)
        : await readStdin(options.keepNewline === true);
      if (value === "") {
        throw new CliError(
          `no value for ${name}: ${process.stdin.isTTY ? "nothing was typed" : "standard input was empty"}; nothing was stored`,
        );
      }
      const api = await BrokerApi.fromEnvironment();
      const saved = await api.request("PUT", `/api/v1/secrets/${encodeURIComponent(name)}`, { value });
      process.stdout.write(
        `${saved.created ? "Created" : "Replaced"} secret ${saved.secret.name}; jobs read it with getSecret("${saved.secret.name}")\n`,
      );
    });

  secrets
    .command("list")
    .alias("ls")
    .description("your secrets' names and when they were set (never their values)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  ferry secrets list\n  ferry secrets list --json | jq -r '.[].name'")
    .action(async (options: { json?: boolean }) => {
      const api = await BrokerApi.fromEnvironment();
      const { secrets: list } = await api.request("GET", "/api/v1/secrets");
      if (options.json) return printJson(list);
      if (list.length === 0) {
        process.stderr.write("No secrets yet: add one with `ferry secrets set NAME`\n");
        return;
      }
      printTable(list.map((s) => ({ name: s.name, updated: s.updatedAt, created: s.createdAt })));
    });

  secrets
    .command("get <name>")
    .description("print a secret's value (sensitive: it shows on your terminal; prefer getSecret() in jobs)")
    .addHelpText(
      "after",
      '\nThe value is printed exactly as stored, followed by a newline only on a terminal.\n\nExamples:\n  ferry secrets get OPENAI_API_KEY\n  curl -H "Authorization: Bearer $(ferry secrets get SERVICE_TOKEN)" https://api.example.com/',
    )
    .action(async (name: string) => {
      const api = await BrokerApi.fromEnvironment();
      const secret = await api.request("GET", `/api/v1/secrets/${encodeURIComponent(name)}`);
      if (process.stdout.isTTY) {
        process.stderr.write(
          `${paint("yellow", "warning:", process.stderr)} this is the value of secret ${secret.name}; do not paste it anywhere shared\n`,
        );
        process.stdout.write(`${secret.value}\n`);
      } else {
        process.stdout.write(secret.value);
      }
    });

  secrets
    .command("rm <name>")
    .alias("delete")
    .description("delete a secret; jobs that read it fail with secret_not_found")
    .addHelpText("after", "\nExamples:\n  ferry secrets rm OPENAI_API_KEY")
    .action(async (name: string) => {
      const api = await BrokerApi.fromEnvironment();
      const deleted = await api.request("DELETE", `/api/v1/secrets/${encodeURIComponent(name)}`);
      process.stdout.write(`Deleted secret ${deleted.name}\n`);
    });
}

/** All of standard input, at most 64 KiB (plus a newline); one trailing newline dropped unless kept. */
async function readStdin(keepNewline: boolean): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_VALUE_BYTES + 2) {
      process.stdin.destroy();
      throw new CliError(
        `standard input holds more than ${MAX_VALUE_BYTES} bytes (64 KiB), the most a secret may hold; nothing was stored. Keep large files in OneDrive.`,
      );
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  // `echo value |` and a file's last line end in a newline nobody means as part of the value.
  return keepNewline ? text : text.replace(/\r?\n$/, "");
}

/** A line typed at the terminal with echo off; Ctrl-C aborts (exit 130), Backspace erases. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.resume();
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (text: string) => {
      // A paste arrives as one chunk; look at each character.
      for (const char of text) {
        if (char === "\r" || char === "\n" || char === "\u0004") return done();
        if (char === "\u0003") return done(new CliError("cancelled; nothing was stored", 130));
        if (char === "\u007f" || char === "\b") value = [...value].slice(0, -1).join("");
        else value += char;
      }
    };
    input.on("data", onData);
  });
}
