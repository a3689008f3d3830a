// The broker's configuration for `ferry serve` and the direct database commands: the broker's FERRY_*
// variables (packages/broker/README.md), with command-line flags taking precedence, and a bad value reported
// as a one-line error.

import type { BrokerConfig } from "@ferry/broker";
import { CliError, EXIT_USAGE } from "./errors.ts";

export async function brokerConfig(
  overrides: Record<string, string | undefined> = {},
): Promise<BrokerConfig> {
  const { ConfigError, loadConfig } = await import("@ferry/broker");
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) env[name] = value;
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT_USAGE, { cause: error });
    throw error;
  }
}
