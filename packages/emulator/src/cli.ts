import { parseArgs } from "node:util";
import type { EmulatorOptions } from "./options.ts";
import { type RunningEmulator, startEmulator } from "./startEmulator.ts";

const USAGE = `Usage: ferry-emulator --port P [--host 127.0.0.1] [--data DIR] [--latency-ms N]
                      [--bandwidth BYTES_PER_S] [--fault-rate F] [--seed S]
                      [--token-lifetime SECONDS] [--auto-consent ACCOUNT|decline]
                      [--fault-retry-after SECONDS] [--tls] [--trust-proxy] [--log]

A local Microsoft Graph (OneDrive) and Microsoft identity platform v2.0, with reproducible chaos.
  --port               TCP port; 0 picks a free one (default 0)
  --host               address to bind (default 127.0.0.1)
  --data               keep files, grants and refresh tokens in DIR across restarts
                       (default: a temporary directory removed on exit)
  --latency-ms         delay added to every Graph and file-transfer request
  --bandwidth          per-connection cap in bytes per second, each direction (0 = none)
  --fault-rate         share of Graph/transfer requests answered with a fault (0..1)
  --fault-retry-after  base Retry-After seconds of injected 429/503 (default 0.5)
  --seed               makes fault injection reproducible (default 1)
  --token-lifetime     access-token lifetime in seconds (default 3600)
  --auto-consent       answer sign-in without a page, as this account (personal, work,
                       personal2) or 'decline'
  --tls                serve HTTPS with a self-signed certificate for 127.0.0.1
  --trust-proxy        build links from X-Forwarded-Proto and X-Forwarded-Host (behind a
                       TLS-terminating proxy); otherwise from the request's scheme and Host
  --log                log each request to stderr
  --help               show this text

Admin API: http://HOST:PORT/_emulator/ (see the package README).`;

/** Thrown for a bad command line; exits 2 with one line, as command-line tools conventionally do. */
class UsageError extends Error {}

function number(
  values: Record<string, unknown>,
  name: string,
  rule: { integer?: boolean; max?: number; min?: number } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const min = rule.min ?? 0;
  if (
    raw === "" ||
    !Number.isFinite(n) ||
    n < min ||
    (rule.max !== undefined && n > rule.max) ||
    (rule.integer && !Number.isInteger(n))
  ) {
    const kind = rule.integer ? "an integer" : "a number";
    const range = rule.max !== undefined ? ` between ${min} and ${rule.max}` : ` >= ${min}`;
    throw new UsageError(`--${name} must be ${kind}${range}, got '${String(raw)}'`);
  }
  return n;
}

function parseCommandLine(argv: string[]): EmulatorOptions | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        data: { type: "string" },
        "latency-ms": { type: "string" },
        bandwidth: { type: "string" },
        "fault-rate": { type: "string" },
        "fault-retry-after": { type: "string" },
        seed: { type: "string" },
        "token-lifetime": { type: "string" },
        "auto-consent": { type: "string" },
        log: { type: "boolean" },
        tls: { type: "boolean" },
        "trust-proxy": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    // parseArgs' messages run over several lines and name its own options; keep the first line.
    throw new UsageError((err as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (values.help) return "help";
  const host = values.host as string | undefined;
  if (host === "") throw new UsageError("--host must not be empty");
  const data = values.data as string | undefined;
  if (data === "") throw new UsageError("--data must name a directory");
  const autoConsent = values["auto-consent"] as string | undefined;
  if (autoConsent === "") throw new UsageError("--auto-consent needs an account key or 'decline'");
  return {
    port: number(values, "port", { integer: true, max: 65535 }) ?? 0,
    host: host ?? "127.0.0.1",
    dataDir: data,
    latencyMs: number(values, "latency-ms"),
    bandwidth: number(values, "bandwidth"),
    faultRate: number(values, "fault-rate", { max: 1 }),
    faultRetryAfter: number(values, "fault-retry-after"),
    seed: number(values, "seed", { integer: true, max: 0xffffffff }),
    tokenLifetime: number(values, "token-lifetime", { min: 1 }),
    autoConsent: autoConsent ?? false,
    log: values.log === true,
    tls: values.tls === true,
    trustProxy: values["trust-proxy"] === true,
  };
}

async function main(): Promise<void> {
  let options: EmulatorOptions | "help";
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`ferry-emulator: ${err.message} (see --help)\n`);
    process.exit(2);
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator(options);
  } catch (err) {
    process.stderr.write(`ferry-emulator: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // Scripts wait for exactly this line; keep its wording.
  process.stdout.write(`ferry-emulator listening on ${emulator.url}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    // A second signal means "now": skip waiting for open transfers to finish.
    if (stopping) process.exit(1);
    stopping = true;
    // close() saves the state snapshot when --data is set, so a restart finds the files again.
    emulator.close().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`ferry-emulator: error while stopping on ${signal}: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

await main();
