// `ferry secrets` as a user runs it, against `ferry dev`: set reads standard input (never an argument) or a hidden
// prompt on a terminal; list, get and rm; and a job run by `ferry run` reads the secret with getSecret().
import { spawn, spawnSync } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Dev,
  FERRY_NODE_ARGS,
  ferry,
  ferryEnv,
  freePort,
  type Result,
  spawnFerry,
  startDev,
  tempDir,
} from "./ferry.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let home: string;
let dev: Dev;

beforeAll(async () => {
  home = await tempDir("ferry-secrets-cli-");
  dev = await startDev(home);
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await rm(home, { recursive: true, force: true });
});

/** `ferry args…` with `input` on standard input (a pipe, as `printf %s "$V" | ferry …`). */
function ferryWithInput(
  args: string[],
  input: string,
  options: { home: string; env?: Record<string, string> } = { home },
): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...FERRY_NODE_ARGS, ...args], {
      env: ferryEnv(options.home, options.env),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("ferry secrets", () => {
  it("set reads standard input (one trailing newline dropped), list shows names only, get prints the value, rm deletes", async () => {
    const set = await ferryWithInput(["secrets", "set", "OPENAI_API_KEY"], "sk-cli-value-1\n");
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("Created secret OPENAI_API_KEY");
    expect(set.stdout).not.toContain("sk-cli-value-1");

    const list = await ferry(["secrets", "list"], { home });
    expect(list.stdout).toMatch(/^NAME\s+UPDATED\s+CREATED\nOPENAI_API_KEY\s+\d{4}-/);
    expect(list.stdout).not.toContain("sk-cli-value");
    const json = JSON.parse((await ferry(["secrets", "list", "--json"], { home })).stdout);
    expect(json).toEqual([
      { name: "OPENAI_API_KEY", createdAt: expect.any(String), updatedAt: expect.any(String) },
    ]);

    // Piped, the value is printed exactly: `$(ferry secrets get NAME)` gets it whole.
    const get = await ferry(["secrets", "get", "OPENAI_API_KEY"], { home });
    expect(get.stdout).toBe("sk-cli-value-1");

    const replaced = await ferryWithInput(
      ["secrets", "set", "OPENAI_API_KEY", "--keep-newline"],
      "line 1\nline 2\n",
    );
    expect(replaced.stdout).toContain("Replaced secret OPENAI_API_KEY");
    expect((await ferry(["secrets", "get", "OPENAI_API_KEY"], { home })).stdout).toBe("line 1\nline 2\n");

    const removed = await ferry(["secrets", "rm", "OPENAI_API_KEY"], { home });
    expect(removed.stdout).toBe("Deleted secret OPENAI_API_KEY\n");
    const gone = await ferry(["secrets", "get", "OPENAI_API_KEY"], { home });
    expect(gone.code).toBe(1);
    expect(gone.stderr.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(
        /^ferry: There is no secret named OPENAI_API_KEY .*ferry secrets set OPENAI_API_KEY.*\[secret_not_found\]$/,
      ),
    ]);
  });

  it("refuses a value given as an argument, an empty or over-size input and a bad name, storing nothing", async () => {
    const argv = await ferryWithInput(["secrets", "set", "ARGV_SECRET", "sk-in-history"], "");
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain("never from an argument");
    const empty = await ferryWithInput(["secrets", "set", "EMPTY_SECRET"], "\n");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("standard input was empty");
    const big = await ferryWithInput(["secrets", "set", "BIG_SECRET"], "x".repeat(70_000));
    expect(big.code).toBe(1);
    expect(big.stderr).toContain("64 KiB");
    const badName = await ferryWithInput(["secrets", "set", "bad-name"], "v");
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/letters, digits and _.*\[invalid_secret_name\]/);
    const list = JSON.parse((await ferry(["secrets", "list", "--json"], { home })).stdout) as {
      name: string;
    }[];
    expect(list.map((s) => s.name)).not.toEqual(expect.arrayContaining(["ARGV_SECRET"]));
    expect(list.map((s) => s.name).filter((n) => /ARGV|EMPTY|BIG|bad/.test(n))).toEqual([]);
  });

  it("on a terminal, set asks at a prompt that does not echo the value", async () => {
    // A real pseudo-terminal (Python's pty module), so stdin.isTTY is true as for a person typing.
    const script = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
def read_for(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            out += chunk
    return True
while b"input hidden" not in out and read_for(0.2):
    pass
os.write(fd, b"typed-hidden-value\\r")
while read_for(0.5):
    if b"secret" in out.split(b"input hidden")[-1]:
        break
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;
    const result = spawnSync(
      "/usr/bin/python3",
      ["-c", script, process.execPath, ...FERRY_NODE_ARGS, "secrets", "set", "TYPED_SECRET"],
      {
        env: ferryEnv(home),
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("Value for TYPED_SECRET (input hidden): ");
    expect(result.stdout).toContain("Created secret TYPED_SECRET");
    expect(result.stdout).not.toContain("typed-hidden-value");
    expect((await ferry(["secrets", "get", "TYPED_SECRET"], { home })).stdout).toBe("typed-hidden-value");
  });

  it("a job run by `ferry run` reads a secret set with `ferry secrets set`", async () => {
    expect((await ferryWithInput(["secrets", "set", "JOB_TOKEN"], "job-token-value")).code).toBe(0);
    const run = await ferry(["run", fixture("readSecret.ts"), "--json"], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ matches: true });

    const failed = await ferry(["run", fixture("missingSecret.ts")], { home });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("There is no secret named NEVER_SET");
    expect(failed.stderr).toContain("ferry secrets set NEVER_SET");
  });

  it("get is marked sensitive in its help", async () => {
    const help = await ferry(["secrets", "get", "--help"], { home });
    expect(help.stdout).toContain("sensitive");
    const setHelp = await ferry(["secrets", "set", "--help"], { home });
    expect(setHelp.stdout).toContain("never taken from the command line");
  });
});

describe("ferry keys rotate-master", () => {
  it("re-encrypts secrets too: after it, a broker holding only the new key reads the secret", async () => {
    const ops = await tempDir("ferry-secrets-rotate-");
    try {
      expect((await ferry(["users", "create", "sam"], { home: ops })).code).toBe(0);
      const token = (await ferry(["keys", "create", "--user", "sam"], { home: ops })).stdout.trim();
      const serveWith = async (env: Record<string, string>, during: () => Promise<void>) => {
        const port = await freePort();
        const serve = spawnFerry(
          [
            "serve",
            "--port",
            String(port),
            "--public-url",
            `http://127.0.0.1:${port}`,
            "--log-level",
            "warn",
          ],
          { home: ops, env },
        );
        try {
          await serve.waitFor(/listening on (http\S+)/);
          const login = await ferry(["login", "--url", `http://127.0.0.1:${port}`, "--api-key", token], {
            home: ops,
          });
          expect(login.code, login.stderr).toBe(0);
          await during();
        } finally {
          serve.child.kill("SIGTERM");
          await serve.exited;
        }
      };
      await serveWith({}, async () => {
        const set = await ferryWithInput(["secrets", "set", "ROTATED"], "value-across-rotation", {
          home: ops,
        });
        expect(set.code, set.stderr).toBe(0);
      });
      const old = (await readFile(join(ops, "master.key"), "utf8")).trim();
      const fresh = Buffer.alloc(32, 9).toString("base64");
      const rotated = await ferry(["keys", "rotate-master", "--json"], {
        home: ops,
        env: { FERRY_MASTER_KEY: `${fresh},${old}` },
      });
      // The secret is the only vault value here (sam never connected OneDrive).
      expect(JSON.parse(rotated.stdout)).toEqual({ rotated: 1, current: 0 });
      await serveWith({ FERRY_MASTER_KEY: fresh }, async () => {
        const get = await ferry(["secrets", "get", "ROTATED"], { home: ops });
        expect(get.code, get.stderr).toBe(0);
        expect(get.stdout).toBe("value-across-rotation");
      });
    } finally {
      await rm(ops, { recursive: true, force: true });
    }
  });
});
