// The broker's rules for secrets (packages/broker/src/secrets/secretRules.ts), checked here too so a person learns
// about a bad name while typing; the broker checks again and its answer is what counts.

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export const MAX_NAME_LENGTH = 128;
export const MAX_VALUE_BYTES = 64 * 1024;

/** Why `name` is not a valid secret name, or null when it is. */
export function nameProblem(name: string): string | null {
  if (name === "") return "Enter a name, such as OPENAI_API_KEY.";
  if (name.length > MAX_NAME_LENGTH) return `A name has at most ${MAX_NAME_LENGTH} characters.`;
  if (!/^[A-Za-z]/.test(name)) return "A name starts with a letter.";
  if (!NAME.test(name)) return "Use only letters, digits and _ (no spaces, dashes or dots).";
  return null;
}

/** Why `value` cannot be stored, or null when it can. */
export function valueProblem(value: string): string | null {
  if (value === "") return "Enter the value to store.";
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_VALUE_BYTES) return `The value is ${bytes} bytes; a secret holds at most 64 KiB.`;
  return null;
}
