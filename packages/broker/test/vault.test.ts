import { describe, expect, it } from "vitest";
import { keyIdOf, MasterKey, Vault, VaultError, type VaultField } from "../src/index.ts";

const field: VaultField = { table: "connections", rowId: "row-1", column: "refresh_token_enc" };
const TOKEN = "M.C123_BAY.0.U.-refresh-token-plaintext";

function vaultError(run: () => unknown): VaultError {
  try {
    run();
  } catch (error) {
    if (error instanceof VaultError) return error;
    throw error;
  }
  throw new Error("expected a VaultError");
}

describe("Vault", () => {
  const key = MasterKey.generate();
  const vault = new Vault([key]);

  it("round-trips a value in the v1.<keyId>.<iv>.<ciphertext+tag> format", () => {
    const value = vault.encrypt(TOKEN, field);
    expect(value).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(keyIdOf(value)).toBe(key.id);
    expect(value).not.toContain(TOKEN);
    expect(vault.decrypt(value, field)).toBe(TOKEN);
  });

  it("uses a fresh IV for every value", () => {
    const values = new Set(Array.from({ length: 100 }, () => vault.encrypt(TOKEN, field)));
    expect(values.size).toBe(100);
    expect(new Set([...values].map((v) => v.split(".")[2])).size).toBe(100);
  });

  it("refuses a ciphertext moved to another row, another column or another table", () => {
    const value = vault.encrypt(TOKEN, field);
    const elsewhere: VaultField[] = [
      { ...field, rowId: "row-2" },
      { ...field, column: "access_token_enc" },
      { table: "oauth_states", rowId: "row-1", column: "code_verifier_enc" },
    ];
    for (const other of elsewhere) {
      const error = vaultError(() => vault.decrypt(value, other));
      expect(error.code).toBe("tampered");
      expect(error.message).toContain("copied from another row or column");
      expect(error.message).not.toContain(TOKEN);
    }
  });

  it("detects any flipped bit in the IV, ciphertext or tag", () => {
    const value = vault.encrypt(TOKEN, field);
    const [format, keyId, iv = "", sealed = ""] = value.split(".");
    const flip = (text: string, at: number) => {
      const bytes = Buffer.from(text, "base64url");
      bytes[at % bytes.length]! ^= 0x01;
      return bytes.toString("base64url");
    };
    const tampered = [
      [format, keyId, flip(iv, 0), sealed],
      [format, keyId, iv, flip(sealed, 0)],
      [format, keyId, iv, flip(sealed, Buffer.from(sealed, "base64url").length - 1)],
    ].map((parts) => parts.join("."));
    for (const bad of tampered) expect(vaultError(() => vault.decrypt(bad, field)).code).toBe("tampered");
  });

  it("rejects values that are not in the v1 format", () => {
    for (const bad of [
      "",
      TOKEN,
      "v2.abcdef01.x.y",
      "v1.nothex!.x.y",
      `${vault.encrypt(TOKEN, field)}.extra`,
    ]) {
      const error = vaultError(() => vault.decrypt(bad, field));
      expect(error.code).toBe("malformed");
      expect(error.message).not.toContain(TOKEN);
    }
  });

  it("names an unknown key id and tells the operator to add the old key to FERRY_MASTER_KEY", () => {
    const oldKey = MasterKey.generate();
    const value = new Vault([oldKey]).encrypt(TOKEN, field);
    const error = vaultError(() => vault.decrypt(value, field));
    expect(error.code).toBe("unknown_key");
    expect(error.keyId).toBe(oldKey.id);
    expect(error.message).toContain(`master key ${oldKey.id}`);
    expect(error.message).toContain(`(it holds ${key.id})`);
    expect(error.message).toContain("Add the old key to FERRY_MASTER_KEY");
    expect(error.message).not.toContain(oldKey.toBase64());
    expect(error.message).not.toContain(TOKEN);
  });

  it("decrypts with any listed key, encrypts with the newest, and flags older values for rotation", () => {
    const oldKey = MasterKey.generate();
    const newKey = MasterKey.generate();
    const before = new Vault([oldKey]).encrypt(TOKEN, field);
    const rotatedVault = new Vault([newKey, oldKey]);
    expect(rotatedVault.decrypt(before, field)).toBe(TOKEN);
    expect(rotatedVault.needsRotation(before)).toBe(true);
    const after = rotatedVault.encrypt(TOKEN, field);
    expect(keyIdOf(after)).toBe(newKey.id);
    expect(rotatedVault.needsRotation(after)).toBe(false);
  });

  it("round-trips empty and non-ASCII values", () => {
    for (const text of ["", "žluťoučký kůň 🐎", "x".repeat(10_000)]) {
      expect(vault.decrypt(vault.encrypt(text, field), field)).toBe(text);
    }
  });
});
