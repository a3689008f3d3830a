import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { makePrivateDirectory, prepareHome } from "./dataDirectory.ts";
import { ConfigError } from "./errors.ts";

const KEY_BYTES = 32;
const GENERATE_HINT = "generate one with: openssl rand -base64 32";

/**
 * One AES-256 master key. The id (first 8 hex digits of its SHA-256) is stored beside every ciphertext so the
 * right key can be picked after a rotation; it identifies the key without revealing it.
 */
export class MasterKey {
  readonly id: string;
  readonly #bytes: Buffer;
  constructor(bytes: Buffer) {
    if (bytes.length !== KEY_BYTES)
      throw new RangeError(`a master key is ${KEY_BYTES} bytes, not ${bytes.length}`);
    this.#bytes = Buffer.from(bytes);
    this.id = createHash("sha256").update(bytes).digest("hex").slice(0, 8);
  }
  get bytes(): Buffer {
    return this.#bytes;
  }
  static generate(): MasterKey {
    return new MasterKey(randomBytes(KEY_BYTES));
  }
  toBase64(): string {
    return this.#bytes.toString("base64");
  }
  // Keeps key bytes out of logs and error reports that serialize whatever object they are handed.
  toJSON(): { id: string } {
    return { id: this.id };
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `MasterKey(${this.id})`;
  }
}

/**
 * Parses a FERRY_MASTER_KEY value: base64 (standard or URL-safe) keys of 32 bytes each, newest first, separated by
 * commas or whitespace. `source` names the variable or file in errors, which give the key's position, never the key.
 */
export function parseMasterKeys(list: string, source: string): MasterKey[] {
  const parts = list.split(/[\s,]+/).filter((part) => part !== "");
  if (parts.length === 0) throw new ConfigError(source, `holds no key; ${GENERATE_HINT}`);
  const keys = parts.map((part, index) => {
    const position = parts.length === 1 ? "the key" : `key ${index + 1} of ${parts.length}`;
    const bytes = decodeBase64(part);
    if (bytes === undefined || bytes.length !== KEY_BYTES) {
      const found = bytes === undefined ? "is not base64" : `decodes to ${bytes.length} bytes`;
      throw new ConfigError(
        source,
        `${position} ${found}, but a master key is base64 of exactly 32 bytes; ${GENERATE_HINT}`,
      );
    }
    return new MasterKey(bytes);
  });
  const seen = new Map<string, number>();
  keys.forEach((key, index) => {
    const earlier = seen.get(key.id);
    if (earlier !== undefined) {
      // Ids are 32 bits, so two different keys could collide; either way one id must mean one key.
      throw new ConfigError(
        source,
        `keys ${earlier + 1} and ${index + 1} have the same key id ${key.id}; list each key once`,
      );
    }
    seen.set(key.id, index);
  });
  return keys;
}

function decodeBase64(text: string): Buffer | undefined {
  // Buffer.from silently skips characters outside the alphabet, which would turn a typo into a different key.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  if (/[+/]/.test(text) && /[-_]/.test(text)) return undefined;
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

export interface LoadedMasterKeys {
  /** Newest first: the first encrypts, every one can decrypt. */
  keys: readonly MasterKey[];
  /** True only on the start that created the key file, so the server can tell the user once where it is. */
  generated: boolean;
  /** The key file in embedded mode; undefined when the keys came from FERRY_MASTER_KEY. */
  keyFile: string | undefined;
}

export const MASTER_KEY_FILE = "master.key";

/** The part of the broker's configuration the keys come from (a BrokerConfig is one). */
export interface MasterKeySettings {
  home: string;
  /** Parsed FERRY_MASTER_KEY, if set. */
  masterKeys: readonly MasterKey[] | undefined;
  database: { kind: "sqlite" | "postgres" };
}

/**
 * The keys from FERRY_MASTER_KEY, or in embedded mode (SQLite and no FERRY_MASTER_KEY) the key in
 * $FERRY_HOME/master.key, generated on the first start.
 */
export async function loadMasterKeys(config: MasterKeySettings): Promise<LoadedMasterKeys> {
  if (config.masterKeys !== undefined)
    return { keys: config.masterKeys, generated: false, keyFile: undefined };
  if (config.database.kind === "postgres") {
    // Instances sharing one database must share one key; a key generated per machine would make each
    // instance unable to read what the others wrote.
    throw new ConfigError(
      "FERRY_MASTER_KEY",
      `is required with a PostgreSQL FERRY_DATABASE_URL, and every broker instance needs the same value; ${GENERATE_HINT}`,
    );
  }
  const keyFile = join(config.home, MASTER_KEY_FILE);
  await makePrivateDirectory(config.home, "FERRY_HOME");
  const existing = await readKeyFile(keyFile);
  if (existing !== undefined) return { keys: [existing], generated: false, keyFile };
  const created = await createKeyFile(config.home, keyFile);
  if (created !== undefined) return { keys: [created], generated: true, keyFile };
  // Another process created the file between our read and our create: use its key, not ours.
  const raced = await readKeyFile(keyFile);
  if (raced === undefined) throw new Error(`${keyFile} vanished while it was being created`);
  return { keys: [raced], generated: false, keyFile };
}

async function readKeyFile(keyFile: string): Promise<MasterKey | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(keyFile, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    // fstat on the opened handle checks the very file we read, even if the path is swapped meanwhile.
    const stat = await handle.stat();
    if (!stat.isFile())
      throw new ConfigError(keyFile, "is not a regular file; move it away and restart to generate a key");
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new ConfigError(
        keyFile,
        `can be read or written by other users (mode ${mode}); the master key must be private to the broker's user. ` +
          `Fix it with: chmod 600 ${keyFile}`,
      );
    }
    const [key] = parseMasterKeys(await handle.readFile("utf8"), keyFile);
    if (key === undefined) throw new ConfigError(keyFile, `holds no key; ${GENERATE_HINT}`);
    return key;
  } finally {
    await handle.close();
  }
}

/** Returns the new key, or undefined when another process created the file first. */
async function createKeyFile(home: string, keyFile: string): Promise<MasterKey | undefined> {
  await prepareHome(home);
  const key = MasterKey.generate();
  // Written whole under a private temporary name, then linked into place: link() fails if the file exists, so
  // two brokers starting together agree on one key, and nobody ever reads a half-written file.
  const temporary = `${keyFile}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(`${key.toBase64()}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, keyFile);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  } finally {
    await unlink(temporary);
  }
}
