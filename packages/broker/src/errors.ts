/**
 * A configuration mistake, phrased for the operator: `source` is the variable or file at fault, and the message
 * says what is wrong and what to put there instead. It never repeats a secret value.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}
