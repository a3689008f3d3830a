// How `ferry dev` and `ferry serve` stop when closing hangs: a second Ctrl-C exits at once (130), and without one
// the process exits by itself (1) with a line saying so. Driven through the real onShutdown in a child process,
// with signals; each step waits for the event before it (a line printed, the exit), never for a time.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/hangingShutdown.ts", import.meta.url));
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function start() {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], { stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const printed = (pattern: RegExp, stream: () => string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stream())) resolve();
        else if (child.exitCode !== null) reject(new Error(`exited before ${pattern}: ${out} ${err}`));
        else setImmediate(check);
      };
      check();
    });
  return { child, exited, out: () => out, err: () => err, printed };
}

describe("stopping a long-running command whose close hangs", () => {
  test("a second Ctrl-C ends it at once, without closing twice (the shell sees 130)", async () => {
    const p = start();
    await p.printed(/^ready$/m, p.out);
    p.child.kill("SIGINT");
    await p.printed(/^closing 1$/m, p.out);
    expect(p.err()).toContain("Stopping (SIGINT)");
    p.child.kill("SIGINT");
    // onShutdown listens once per signal, so the second SIGINT takes Node's default action: the process
    // dies of SIGINT, which a shell reports as 128 + 2 = 130.
    expect(await p.exited).toEqual({ code: null, signal: "SIGINT" });
    expect(p.out()).not.toContain("closing 2");
  }, 60_000);

  test("Ctrl-C while stopping on SIGTERM exits at once with 130, without closing twice", async () => {
    const p = start();
    await p.printed(/^ready$/m, p.out);
    p.child.kill("SIGTERM");
    await p.printed(/^closing 1$/m, p.out);
    p.child.kill("SIGINT");
    expect(await p.exited).toEqual({ code: 130, signal: null });
    expect(p.out()).not.toContain("closing 2");
  }, 60_000);

  test("without a second signal it exits by itself with 1, saying it did not stop in time", async () => {
    const p = start();
    await p.printed(/^ready$/m, p.out);
    p.child.kill("SIGTERM");
    // The forced exit comes after onShutdown's own limit (10 s); the test waits for the exit, not a time.
    expect(await p.exited).toEqual({ code: 1, signal: null });
    expect(p.err()).toContain("Stopping (SIGTERM)");
    expect(p.err()).toMatch(/ferry: still not stopped after \d+ s; exiting anyway/);
  }, 120_000);
});
