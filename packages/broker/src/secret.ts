const REDACTED = "[redacted]";

/**
 * A string that must never reach a log line or an error body: pino, util.inspect, template strings and
 * JSON.stringify all see "[redacted]", and only an explicit reveal() hands out the value.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}
