import { createHash, timingSafeEqual } from "node:crypto";

/** PKCE (RFC 7636). Microsoft accepts `S256` and, for clients that cannot hash, `plain`. */
export type ChallengeMethod = "S256" | "plain";

export const CHALLENGE_METHODS: readonly ChallengeMethod[] = ["S256", "plain"];

/** RFC 7636 §4.1/4.2: 43 to 128 characters from the unreserved set. */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function wellFormedPkceValue(value: string): boolean {
  return PKCE_VALUE.test(value);
}

export function verifierMatches(verifier: string, challenge: string, method: ChallengeMethod): boolean {
  if (!wellFormedPkceValue(verifier)) return false;
  const derived = method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  const a = Buffer.from(derived);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
