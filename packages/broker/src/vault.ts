import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { MasterKey } from "./masterKeys.ts";
import type { EncryptedColumn, EncryptedTable } from "./schema.ts";

const FORMAT = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where a ciphertext lives. It is bound into the ciphertext, so a value moved to another row or column fails. */
export type VaultField = {
  [T in EncryptedTable]: { table: T; rowId: string; column: EncryptedColumn<T> };
}[EncryptedTable];

export type VaultErrorCode = "malformed" | "unknown_key" | "tampered";

/** Says which row and column failed and what to do; never the plaintext or the ciphertext. */
export class VaultError extends Error {
  override name = "VaultError";
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
  }
}

/**
 * AES-256-GCM with a fresh random 12-byte IV per value, stored as `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url).
 * Random IVs are safe at this volume: NIST SP 800-38D allows 2^32 encryptions per key with random 96-bit IVs,
 * and a broker writes a few values per connection per hour; rotation starts the count again.
 */
export class Vault {
  readonly #keys: ReadonlyMap<string, MasterKey>;
  readonly #newest: MasterKey;

  /** `keys` newest first, as in FERRY_MASTER_KEY: the first encrypts, all decrypt. */
  constructor(keys: readonly MasterKey[]) {
    const [newest] = keys;
    if (newest === undefined) throw new Error("a vault needs at least one master key");
    this.#newest = newest;
    this.#keys = new Map(keys.map((key) => [key.id, key]));
  }

  get currentKeyId(): string {
    return this.#newest.id;
  }

  encrypt(plaintext: string, field: VaultField): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#newest.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(field));
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return [FORMAT, this.#newest.id, iv.toString("base64url"), sealed.toString("base64url")].join(".");
  }

  decrypt(value: string, field: VaultField): string {
    const { keyId, iv, sealed } = parse(value, field);
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new VaultError(
        "unknown_key",
        `${describe(field)} was encrypted with master key ${keyId}, which is not in FERRY_MASTER_KEY ` +
          `(it holds ${[...this.#keys.keys()].join(", ")}). Add the old key to FERRY_MASTER_KEY after the newest ` +
          "one, restart, and run the key rotation before removing it.",
        keyId,
      );
    }
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(field));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new VaultError(
        "tampered",
        `${describe(field)} failed authentication: it was altered, or it was copied from another row or column`,
        keyId,
      );
    }
  }

  /** True when the value was encrypted with a key other than the newest, so rotation should re-encrypt it. */
  needsRotation(value: string): boolean {
    return keyIdOf(value) !== this.#newest.id;
  }
}

/** The key id a stored value names, without decrypting it. */
export function keyIdOf(value: string): string {
  const parts = value.split(".");
  const keyId = parts[1];
  if (parts.length !== 4 || parts[0] !== FORMAT || keyId === undefined || !/^[0-9a-f]{8}$/.test(keyId)) {
    throw new VaultError("malformed", "a stored value is not in the vault's v1 format");
  }
  return keyId;
}

function parse(value: string, field: VaultField): { keyId: string; iv: Buffer; sealed: Buffer } {
  const [format, keyId, ivText, sealedText, ...rest] = value.split(".");
  const iv = Buffer.from(ivText ?? "", "base64url");
  const sealed = Buffer.from(sealedText ?? "", "base64url");
  if (
    format !== FORMAT ||
    keyId === undefined ||
    !/^[0-9a-f]{8}$/.test(keyId) ||
    rest.length > 0 ||
    iv.length !== IV_BYTES ||
    sealed.length < TAG_BYTES
  ) {
    throw new VaultError("malformed", `${describe(field)} is not in the vault's v1 format`);
  }
  return { keyId, iv, sealed };
}

function additionalData(field: VaultField): Buffer {
  return Buffer.from(`ferry/v1/${field.table}/${field.rowId}/${field.column}`, "utf8");
}

function describe(field: VaultField): string {
  return `the value in ${field.table}.${field.column} of row ${field.rowId}`;
}
