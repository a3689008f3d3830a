// `ferry users …` and `ferry keys …`: ops commands that work directly on the broker's database (found
// through FERRY_DATABASE_URL or FERRY_HOME), without a running broker, which is how the first admin
// user and key come to exist.

import type { BrokerStore } from "@ferry/broker";
import type { Command } from "commander";
import { brokerConfig } from "../brokerConfig.ts";
import { CliError } from "../errors.ts";
import { printJson, printTable } from "../output.ts";

const DIRECT =
  "\nThese commands open the broker's database directly (FERRY_DATABASE_URL, default sqlite:$FERRY_HOME/ferry.db),\nas an ops tool on the broker's machine; no running broker is needed.";

async function withStore<T>(run: (store: BrokerStore) => Promise<T>): Promise<T> {
  const { openBrokerStore } = await import("@ferry/broker");
  const store = await openBrokerStore(await brokerConfig());
  try {
    if (store.generatedMasterKeyFile) {
      process.stderr.write(`Generated a new master key in ${store.generatedMasterKeyFile}. Back it up.\n`);
    }
    return await run(store);
  } finally {
    await store.close();
  }
}

async function userId(store: BrokerStore, name: string): Promise<string> {
  const { getUserByName } = await import("@ferry/broker");
  const user = await getUserByName(store.db, name);
  if (!user) throw new CliError(`no user named "${name}": create one with \`ferry users create ${name}\``);
  return user.id;
}

/** The broker's own errors (name rules, duplicates) already say what to do. */
function rethrow(error: unknown): never {
  if (error instanceof Error && /UserExistsError|InvalidUserNameError|InvalidKeyNameError/.test(error.name)) {
    throw new CliError(error.message);
  }
  throw error;
}

export function registerAdmin(program: Command): void {
  const users = program
    .command("users")
    .description("manage broker users (directly in the database)")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry users create alice\n  ferry users create ops --admin\n  ferry users disable alice${DIRECT}`,
    );
  users
    .command("create <name>")
    .description("create a user")
    .option("--admin", "the user may manage other users and keys")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry users create alice\n  ferry users create ops --admin${DIRECT}`,
    )
    .action((name: string, options: { admin?: boolean; json?: boolean }) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const user = await broker
          .createUser(store.db, { name, isAdmin: options.admin === true })
          .catch(rethrow);
        if (options.json) return printJson(user);
        process.stdout.write(
          `Created user ${user.name}${user.isAdmin ? " (admin)" : ""}. Give it a key: ferry keys create --user ${user.name}\n`,
        );
      }),
    );

  users
    .command("disable <name>")
    .description("disable a user now: revoke every API key, end every web session and pending sign-in")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry users disable alice\nRunning brokers refuse the user's keys and sessions on their very next request. The OneDrive\nconnection stays stored; \`ferry users enable\` lets the user back in with new keys and login links.${DIRECT}`,
    )
    .action((name: string) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const changed = await broker.disableUser(store.db, await userId(store, name));
        process.stdout.write(
          changed
            ? `Disabled ${name}: every API key revoked, every web session and pending sign-in ended.\n`
            : `${name} was already disabled.\n`,
        );
      }),
    );
  users
    .command("enable <name>")
    .description("enable a disabled user again (its old keys stay revoked: create new ones)")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry users enable alice\n  ferry keys create --user alice${DIRECT}`,
    )
    .action((name: string) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const changed = await broker.enableUser(store.db, await userId(store, name));
        process.stdout.write(
          changed
            ? `Enabled ${name}. Its old keys stay revoked: ferry keys create --user ${name}\n`
            : `${name} was not disabled.\n`,
        );
      }),
    );

  const sessions = program
    .command("sessions")
    .description("end web sessions (directly in the database)")
    .addHelpText("after", `\nExamples:\n  ferry sessions revoke --user alice${DIRECT}`);
  sessions
    .command("revoke")
    .description("sign a user out of the web page everywhere, now (a stolen session cookie stops working)")
    .requiredOption("--user <name>", "whose sessions")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry sessions revoke --user alice\nRunning brokers refuse the ended sessions on their very next request. API keys are not touched:\nrevoke those with \`ferry keys revoke\`, or everything with \`ferry users disable\`.${DIRECT}`,
    )
    .action((options: { user: string }) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const id = await userId(store, options.user);
        const ended = await broker.endUserSessions(store.db, id);
        await broker.recordAudit(store.db, { userId: id, action: "sessions.revoked", detail: { ended } });
        process.stdout.write(`Ended ${ended} web session(s) of ${options.user}.\n`);
      }),
    );

  const keys = program
    .command("keys")
    .description("manage API keys (directly in the database) and rotate the master key")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry keys create --user alice --name laptop\n  ferry keys list --user alice\n  ferry keys revoke --user alice 0123456789abcdef\n  FERRY_MASTER_KEY="new,old" ferry keys rotate-master${DIRECT}`,
    );
  keys
    .command("create")
    .description("create an API key for a user; the key is printed once")
    .requiredOption("--user <name>", "whose key")
    .option("--name <name>", "what the key is for", "cli")
    .option("--json", "print JSON")
    .addHelpText("after", `\nExamples:\n  ferry keys create --user alice --name nightly-job${DIRECT}`)
    .action((options: { user: string; name: string; json?: boolean }) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const created = await broker
          .createApiKey(store.db, {
            userId: await userId(store, options.user),
            name: options.name,
          })
          .catch(rethrow);
        if (options.json) return printJson({ key: created.apiKey, token: created.token });
        process.stdout.write(`${created.token}\n`);
        process.stderr.write(`Key ${created.apiKey.id} for ${options.user}: shown once, store it now.\n`);
      }),
    );
  keys
    .command("list")
    .description("a user's API keys (never the secrets)")
    .requiredOption("--user <name>", "whose keys")
    .option("--json", "print JSON")
    .addHelpText("after", `\nExamples:\n  ferry keys list --user alice --json${DIRECT}`)
    .action((options: { user: string; json?: boolean }) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const list = await broker.listApiKeys(store.db, await userId(store, options.user));
        if (options.json) return printJson(list);
        const when = (t: number | null) => (t === null ? "-" : new Date(t).toISOString());
        printTable(
          list.map((k) => ({
            id: k.id,
            name: k.name,
            created: when(k.createdAt),
            "last used": when(k.lastUsedAt),
            revoked: when(k.revokedAt),
          })),
        );
      }),
    );
  keys
    .command("revoke <keyId>")
    .description("revoke an API key")
    .requiredOption("--user <name>", "whose key")
    .addHelpText("after", `\nExamples:\n  ferry keys revoke --user alice 0123456789abcdef${DIRECT}`)
    .action((keyId: string, options: { user: string }) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const revoked = await broker.revokeApiKey(store.db, {
          userId: await userId(store, options.user),
          keyId,
        });
        if (!revoked)
          throw new CliError(
            `${options.user} has no active key ${keyId}: see \`ferry keys list --user ${options.user}\``,
          );
        process.stdout.write(`Revoked key ${keyId} of ${options.user}.\n`);
      }),
    );
  keys
    .command("rotate-master")
    .description(
      "re-encrypt every stored token and secret under the newest master key (FERRY_MASTER_KEY=new,old)",
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `\nExamples:\n  FERRY_MASTER_KEY="$(openssl rand -base64 32),$OLD_KEY" ferry keys rotate-master\nRestart every broker with the new list first; drop the old key once this reports 0 left.${DIRECT}`,
    )
    .action((options: { json?: boolean }) =>
      withStore(async (store) => {
        const broker = await import("@ferry/broker");
        const result = await broker.rotateVault(store.db, store.keys);
        if (options.json) return printJson(result);
        process.stdout.write(
          `Re-encrypted ${result.rotated} value(s) under the newest master key; ${result.current} already were.\n`,
        );
      }),
    );
}
