import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CREDENTIALS_FILE, FerryError, findCredentials, writeCredentials } from "../src/index.ts";

// The credentials file holds an API key, which is as good as the user's OneDrive until revoked: only its owner may
// read it. connect.test.ts checks a job finds and uses it; this checks the permissions on every path to it.

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("the credentials file", () => {
  it("is written 0600 in a 0700 FERRY_HOME, stays 0600 when it replaces a loosened file, and leaves no temporary file", async () => {
    const root = await mkdtemp(join(tmpdir(), "ferry-credentials-"));
    try {
      const env = { FERRY_HOME: join(root, "home") };
      const credentials = { url: "http://127.0.0.1:7878", apiKey: `fry_${"0".repeat(16)}_${"k".repeat(43)}` };
      const file = writeCredentials(credentials, env);
      expect(file).toBe(join(root, "home", CREDENTIALS_FILE));
      expect(await mode(join(root, "home"))).toBe(0o700);
      expect(await mode(file)).toBe(0o600);
      // Someone loosened it; writing again must not inherit that mode.
      await chmod(file, 0o666);
      writeCredentials(credentials, env);
      expect(await mode(file)).toBe(0o600);
      expect(await readdir(join(root, "home"))).toEqual([CREDENTIALS_FILE]);
      expect(findCredentials({}, env)).toMatchObject({ ...credentials, source: "credentials file" });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("is refused when group or others can read or write it, with the chmod that fixes it and without the key", async () => {
    const root = await mkdtemp(join(tmpdir(), "ferry-credentials-"));
    try {
      const env = { FERRY_HOME: root };
      const apiKey = `fry_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`;
      const file = writeCredentials({ url: "http://127.0.0.1:7878", apiKey }, env);
      for (const loose of [0o640, 0o604, 0o620, 0o602, 0o644, 0o666]) {
        await chmod(file, loose);
        let error: unknown;
        try {
          findCredentials({}, env);
        } catch (e) {
          error = e;
        }
        expect(error, `mode ${loose.toString(8)}`).toBeInstanceOf(FerryError);
        expect((error as Error).message).toContain(`chmod 600 ${file}`);
        expect((error as Error).message).not.toContain(apiKey);
      }
      await chmod(file, 0o600);
      expect(findCredentials({}, env).apiKey).toBe(apiKey);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
