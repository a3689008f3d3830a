// What a secret may be called and hold. Names follow environment-variable rules (what GitHub Actions, Vercel and
// Nango users already write), so a name can also be exported as a variable by a job; values are text because they
// travel as JSON strings (binary material is stored base64).

/** Letters, digits and `_`, starting with a letter; case-sensitive, like environment variables on Linux. */
export const SECRET_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
export const MAX_SECRET_NAME_LENGTH = 128;
/** 64 KiB of UTF-8: a private key or a service-account JSON fits; a file does not belong here. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
/** Per user. A bound on what one user (or a stolen key) can make the broker store: at most 64 MiB of values. */
export const MAX_SECRETS_PER_USER = 1000;

// In `u` mode a well-formed pair is one code point, so only a lone surrogate is a Cs character.
const LONE_SURROGATE = /\p{Cs}/u;

export type SecretErrorCode =
  | "invalid_secret_name"
  | "invalid_secret_value"
  | "secret_too_large"
  | "secret_not_found"
  | "secret_limit_reached";

/** A refused secret operation; the message names the secret (never its value) and says what to do. */
export class SecretError extends Error {
  override name = "SecretError";
  constructor(
    readonly code: SecretErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws unless `name` is a valid secret name; the message quotes at most 40 characters of a bad one. */
export function checkSecretName(name: string): void {
  if (name.length <= MAX_SECRET_NAME_LENGTH && SECRET_NAME_PATTERN.test(name)) return;
  const shown = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
  const why =
    name === ""
      ? "is empty"
      : name.length > MAX_SECRET_NAME_LENGTH
        ? `is ${name.length} characters long, over the limit of ${MAX_SECRET_NAME_LENGTH}`
        : /^[A-Za-z]/.test(name)
          ? "holds a character other than a letter, a digit or _"
          : "does not start with a letter";
  throw new SecretError(
    "invalid_secret_name",
    `The secret name ${shown} ${why}. Use letters, digits and _, starting with a letter, at most ${MAX_SECRET_NAME_LENGTH} characters (e.g. OPENAI_API_KEY).`,
  );
}

/** Throws unless `value` can be stored: not empty, well-formed Unicode, at most 64 KiB once UTF-8 encoded. */
export function checkSecretValue(name: string, value: string): void {
  if (value === "") {
    throw new SecretError(
      "invalid_secret_value",
      `The value for secret ${name} is empty; nothing was stored. To remove a secret, delete it.`,
    );
  }
  // A lone surrogate (possible in a JSON string) has no UTF-8 form: stored, it would come back as U+FFFD, changed.
  if (LONE_SURROGATE.test(value)) {
    throw new SecretError(
      "invalid_secret_value",
      `The value for secret ${name} is not valid Unicode text (it holds a lone surrogate); nothing was stored. Store binary material base64-encoded.`,
    );
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new SecretError(
      "secret_too_large",
      `The value for secret ${name} is ${bytes} bytes, over the limit of ${MAX_SECRET_VALUE_BYTES} (64 KiB); nothing was stored. Keep large files in OneDrive and store only the key to them here.`,
    );
  }
}
