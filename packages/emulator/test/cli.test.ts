import { describe, expect, it } from "vitest";
import { runEmulator, spawnEmulator } from "./emulatorProcess.ts";

describe("ferry-emulator command", () => {
  it("prints exactly 'ferry-emulator listening on http://127.0.0.1:P' once ready (--port 0 picks a free port) and exits 0 on SIGTERM", async () => {
    const emu = await spawnEmulator(["--port", "0"]);
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(emu.stdout).toEqual([`ferry-emulator listening on ${emu.url}`]);
    const health = await fetch(`${emu.url}/_emulator/health`);
    expect(((await health.json()) as { status: string }).status).toBe("ok");
    emu.child.kill("SIGTERM");
    expect(await emu.exited).toBe(0);
  });

  it("applies its flags to the running emulator, and exits 0 on SIGINT", async () => {
    const emu = await spawnEmulator([
      "--port=0",
      "--host",
      "127.0.0.1",
      "--latency-ms",
      "20",
      "--bandwidth",
      "1000000",
      "--fault-rate",
      "0.25",
      "--fault-retry-after",
      "0.3",
      "--seed",
      "9",
      "--token-lifetime",
      "120",
      "--auto-consent",
      "work",
      "--trust-proxy",
    ]);
    const settings = await (await fetch(`${emu.url}/_emulator/settings`)).json();
    expect(settings).toMatchObject({
      latencyMs: 20,
      bandwidth: 1_000_000,
      faultRate: 0.25,
      faultRetryAfter: 0.3,
      seed: 9,
      tokenLifetime: 120,
      autoConsent: "work",
    });
    // --trust-proxy: links follow the forwarded scheme and host.
    const discovery = await fetch(`${emu.url}/common/v2.0/.well-known/openid-configuration`, {
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "login.contoso.test" },
    });
    expect(((await discovery.json()) as { token_endpoint: string }).token_endpoint).toBe(
      "https://login.contoso.test/common/oauth2/v2.0/token",
    );
    emu.child.kill("SIGINT");
    expect(await emu.exited).toBe(0);
  });

  it("exits 0 on SIGTERM within seconds even while a bandwidth-capped download is still running", async () => {
    const emu = await spawnEmulator(["--port", "0", "--bandwidth", "100000"]);
    const seed = await fetch(`${emu.url}/_emulator/seed`, {
      method: "POST",
      body: JSON.stringify({ account: "personal", files: [{ path: "slow.bin", size: 10_000_000 }] }),
    });
    expect(seed.status).toBe(201);
    const { accessToken } = (await (
      await fetch(`${emu.url}/_emulator/tokens`, {
        method: "POST",
        body: JSON.stringify({ account: "personal" }),
      })
    ).json()) as { accessToken: string };
    const redirect = await fetch(`${emu.url}/v1.0/me/drive/root:/slow.bin:/content`, {
      headers: { authorization: `Bearer ${accessToken}` },
      redirect: "manual",
    });
    // At 100 kB/s this body would take 100 s.
    const download = await fetch(redirect.headers.get("location") ?? "");
    const reading = download.arrayBuffer().catch(() => "cut");
    // The exit itself is the event: an emulator that waited for the 100 s body would not exit within the
    // test's timeout. How fast it exits is not asserted.
    emu.child.kill("SIGTERM");
    expect(await emu.exited).toBe(0);
    expect(await reading).toBe("cut");
  });

  it("refuses bad flags with exit code 2 and a one-line message", async () => {
    const cases = [
      ["--nope"],
      ["--port", "abc"],
      ["--latency-ms", "-5"],
      ["--fault-rate", "2"],
      ["stray-argument"],
    ];
    const results = await Promise.all(cases.map((args) => runEmulator(args)));
    for (const [i, r] of results.entries()) {
      expect({ args: cases[i], code: r.code }).toEqual({ args: cases[i], code: 2 });
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^ferry-emulator: /);
    }
    expect(results[1]?.stderr).toMatch(/--port must be an integer/);
    expect(results[3]?.stderr).toMatch(/--fault-rate must be a number between 0 and 1/);
  });

  it("prints its usage for --help and exits 0", async () => {
    const r = await runEmulator(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ferry-emulator --port P/);
    for (const flag of [
      "--data",
      "--latency-ms",
      "--bandwidth",
      "--fault-rate",
      "--seed",
      "--token-lifetime",
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });
});
