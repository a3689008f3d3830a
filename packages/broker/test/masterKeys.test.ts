import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadMasterKeys, MasterKey, parseMasterKeys } from "../src/index.ts";
import { rejectionOf } from "./helpers.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-keys-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe("parseMasterKeys", () => {
  it("reads several keys, newest first, separated by commas or whitespace", () => {
    const raw = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const [a, b, c] = raw.map((bytes) => bytes.toString("base64"));
    const keys = parseMasterKeys(`${a},${b}\n  ${c}`, "FERRY_MASTER_KEY");
    expect(keys.map((key) => key.toBase64())).toEqual([a, b, c]);
  });

  it("derives a non-secret 8-hex-digit key id from SHA-256 of the key", () => {
    const bytes = randomBytes(32);
    const [key] = parseMasterKeys(bytes.toString("base64"), "FERRY_MASTER_KEY");
    expect(key?.id).toBe(createHash("sha256").update(bytes).digest("hex").slice(0, 8));
  });

  it("accepts URL-safe base64 with or without padding", () => {
    const bytes = randomBytes(32);
    const [key] = parseMasterKeys(bytes.toString("base64url"), "FERRY_MASTER_KEY");
    expect(key?.bytes.equals(bytes)).toBe(true);
  });

  it("names the position of a bad key and never echoes it", () => {
    const notBase64 = "not*base64!".padEnd(44, "A");
    const attempts: [string, string][] = [
      [`${randomBytes(32).toString("base64")},${notBase64}`, "key 2 of 2 is not base64"],
      [randomBytes(31).toString("base64"), "the key decodes to 31 bytes"],
      [randomBytes(33).toString("base64"), "the key decodes to 33 bytes"],
    ];
    for (const [value, expected] of attempts) {
      const error = (() => {
        try {
          parseMasterKeys(value, "FERRY_MASTER_KEY");
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error("expected an error");
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(expected);
      for (const part of value.split(",")) expect(error.message).not.toContain(part);
    }
  });

  it("refuses the same key listed twice", () => {
    const key = randomBytes(32).toString("base64");
    expect(() => parseMasterKeys(`${key} ${key}`, "FERRY_MASTER_KEY")).toThrow(
      /keys 1 and 2 have the same key id/,
    );
  });

  it("keeps key bytes out of inspect and JSON", () => {
    const key = MasterKey.generate();
    expect(inspect(key)).toBe(`MasterKey(${key.id})`);
    expect(JSON.stringify(key)).toBe(JSON.stringify({ id: key.id }));
  });
});

describe("loadMasterKeys", () => {
  it("uses FERRY_MASTER_KEY when set and writes no file", async () => {
    const home = join(dir, "home");
    const key = randomBytes(32).toString("base64");
    const loaded = await loadMasterKeys(loadConfig({ FERRY_HOME: home, FERRY_MASTER_KEY: key }));
    expect(loaded.keys.map((k) => k.toBase64())).toEqual([key]);
    expect(loaded.generated).toBe(false);
    expect(loaded.keyFile).toBeUndefined();
    await expect(stat(home)).rejects.toThrow(/ENOENT/);
  });

  it("generates master.key with mode 0600 in a 0700 FERRY_HOME once, then reuses it", async () => {
    const home = join(dir, "home");
    const config = loadConfig({ FERRY_HOME: home });
    const first = await loadMasterKeys(config);
    expect(first.generated).toBe(true);
    expect(first.keyFile).toBe(join(home, "master.key"));
    expect(await modeOf(home)).toBe(0o700);
    expect(await modeOf(join(home, "master.key"))).toBe(0o600);
    expect((await readFile(join(home, "master.key"), "utf8")).trim()).toBe(first.keys[0]?.toBase64());

    const second = await loadMasterKeys(config);
    expect(second.generated).toBe(false);
    expect(second.keys[0]?.id).toBe(first.keys[0]?.id);
  });

  it("agrees on one key when several brokers start at once", async () => {
    const config = loadConfig({ FERRY_HOME: join(dir, "home") });
    const results = await Promise.all(Array.from({ length: 8 }, () => loadMasterKeys(config)));
    expect(new Set(results.map((r) => r.keys[0]?.id)).size).toBe(1);
    expect(results.filter((r) => r.generated)).toHaveLength(1);
  });

  it("refuses a key file readable by group or others and says to chmod 600", async () => {
    const home = join(dir, "home");
    const config = loadConfig({ FERRY_HOME: home });
    const { keyFile } = await loadMasterKeys(config);
    await chmod(keyFile!, 0o644);
    await expect(loadMasterKeys(config)).rejects.toThrow(`(mode 0644)`);
    await expect(loadMasterKeys(config)).rejects.toThrow(`chmod 600 ${keyFile}`);
    await chmod(keyFile!, 0o640);
    await expect(loadMasterKeys(config)).rejects.toThrow(ConfigError);
    await chmod(keyFile!, 0o600);
    await expect(loadMasterKeys(config)).resolves.toMatchObject({ generated: false });
  });

  it("reports a corrupt key file by its path without echoing its content", async () => {
    const home = join(dir, "home");
    const config = loadConfig({ FERRY_HOME: home });
    const { keyFile } = await loadMasterKeys(config);
    const junk = randomBytes(20).toString("base64");
    await writeFile(keyFile!, junk, { mode: 0o600 });
    const error = await rejectionOf(loadMasterKeys(config), ConfigError);
    expect(error.source).toBe(keyFile);
    expect(error.message).not.toContain(junk);
  });

  it("requires FERRY_MASTER_KEY with PostgreSQL, where instances must share one key", async () => {
    const config = loadConfig({ FERRY_HOME: join(dir, "home"), FERRY_DATABASE_URL: "postgres://h/db" });
    const error = await rejectionOf(loadMasterKeys(config), ConfigError);
    expect(error.source).toBe("FERRY_MASTER_KEY");
    expect(error.message).toContain("every broker instance needs the same value");
  });
});
