// `npm run demo`: from a fresh clone to OneDrive data with no Microsoft account. Starts the dev stack
// (emulator + broker on SQLite, as `ferry dev`) in a temporary FERRY_HOME, connects the personal test
// account through the real authorization-code flow with the emulator's auto-consent, seeds the demo
// files, runs every example in examples/ with `ferry run`, prints each one's output under its title,
// stops everything and exits 0. A failing example exits 1, naming it.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connectOneDriveScripted } from "@ferry/broker";
import { startDevStack } from "@ferry/cli";
import { findCredentials } from "ferry";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
// FERRY_DEMO_EXAMPLES points the demo at another folder of examples (its test checks a failing one).
const EXAMPLES = resolve(process.env.FERRY_DEMO_EXAMPLES ?? join(ROOT, "examples"));
const FERRY = join(ROOT, "packages/cli/bin/ferry.mjs");
const ACCOUNT = "personal";

/**
 * `ferry secrets set NAME` with the value on standard input, as a user pipes it in (never as an argument). Its
 * output is handed back rather than printed, since it runs while OneDrive is being connected.
 */
function ferrySecretSet(
  name: string,
  value: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@ferry/source", "--import", "tsx", FERRY, "secrets", "set", name],
      { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", fail);
    child.on("exit", (code, signal) => done({ code: code ?? (signal ? 1 : 0), output }));
    child.stdin.end(value);
  });
}

function title(file: string): string {
  const words = file.replace(/\.ts$/, "").replace(/^\d+-/, "").replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * `ferry run FILE`, the real CLI from the workspace's sources (its "@ferry/source" condition, through tsx), in the
 * demo's FERRY_HOME; output goes straight to ours.
 */
function ferryRun(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@ferry/source", "--import", "tsx", FERRY, "run", file],
      { cwd: ROOT, env, stdio: "inherit" },
    );
    child.on("error", fail);
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const home = await mkdtemp(join(tmpdir(), "ferry-demo-"));
  const stack = await startDevStack({
    home,
    port: 0,
    emulatorPort: 0,
    autoConsent: ACCOUNT,
    seedDemoFiles: true,
    account: ACCOUNT,
  });
  try {
    const { apiKey } = findCredentials({}, { FERRY_HOME: home });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FERRY_HOME: home,
      FERRY_EMULATOR_URL: stack.emulator.url,
      FERRY_DEMO_ACCOUNT: ACCOUNT,
      NO_COLOR: "1",
    };
    // The credentials file in FERRY_HOME is what the examples find; nothing else may override it.
    for (const key of ["FERRY_URL", "FERRY_API_KEY", "FERRY_GRAPH_URL"]) delete env[key];
    // The secret examples/11-read-a-secret.ts reads, set as a user would; it needs only the broker, so it is set
    // while OneDrive is being connected.
    const secretSet = ferrySecretSet("DEMO_SERVICE_TOKEN", `demo-${randomBytes(12).toString("hex")}`, env);
    // The real authorization-code flow, clicked through as a person would in a browser: the broker's
    // start link, the emulator's account picker, the callback and the broker's confirmation.
    const connected = await connectOneDriveScripted({
      brokerUrl: stack.broker.url,
      apiKey,
      account: ACCOUNT,
    });
    if (connected.status !== 200) throw new Error(`connecting OneDrive failed: HTTP ${connected.status}`);
    console.log(`Ferry demo: broker ${stack.broker.url}, emulator ${stack.emulator.url}, FERRY_HOME ${home}`);
    console.log(`Connected the emulated account "${ACCOUNT}"; demo files seeded.\n`);

    const secret = await secretSet;
    process.stdout.write(secret.output);
    if (secret.code !== 0) {
      console.error("\nDemo failed: `ferry secrets set DEMO_SERVICE_TOKEN` failed");
      return 1;
    }
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith(".ts")).sort();
    for (const file of files) {
      console.log(`== ${title(file)} (${relative(ROOT, join(EXAMPLES, file))}) ==`);
      const exampleStarted = Date.now();
      const code = await ferryRun(join(EXAMPLES, file), env);
      if (code !== 0) {
        console.error(`\nDemo failed: example ${file} exited with code ${code}`);
        return 1;
      }
      console.log(`-- ${file}: ok in ${((Date.now() - exampleStarted) / 1000).toFixed(1)} s\n`);
    }
    console.log(`All ${files.length} examples ran in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } finally {
    await stack.close();
    await rm(home, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
