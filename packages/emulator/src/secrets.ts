import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

/** Unpredictable values for codes, tokens and ids that must not repeat across restarts. */
export function opaque(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function guid(): string {
  return randomUUID();
}

export function hexId(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length);
}

/**
 * Signs and checks the emulator's self-contained values: access tokens and pre-authenticated
 * download links. Keeping them stateless means a restart with the same data dir honours them.
 */
export class Signer {
  constructor(private readonly key: Buffer) {}

  static generateKey(): Buffer {
    return randomBytes(32);
  }

  sign(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  verify<T>(value: string): T | undefined {
    const dot = value.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const body = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), "base64url");
    const want = Buffer.from(this.mac(body), "base64url");
    if (given.length !== want.length || !timingSafeEqual(given, want)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as T;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}
