import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fs, onedriveConnect, readCsv, writeCredentials, writeCsv } from "../src/index.ts";
import { type Stack, startStack } from "./stack.ts";

describe("onedriveConnect() through the broker", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ tokenLifetime: 3600 });
  });
  afterAll(() => stack.close());

  it("runs the seed's API with a token the broker minted", async () => {
    const conn = onedriveConnect(stack.connectOptions);
    expect(await conn.token()).toMatch(/\S{20,}/);
    await conn.upload("reports/q1.csv", new TextEncoder().encode("region,total\nnorth,10\n"));
    expect((await conn.list("reports")).map((i) => i.name)).toEqual(["q1.csv"]);
    expect(new TextDecoder().decode(await conn.download("reports/q1.csv"))).toContain("north");
    const me = await conn.get<{ userPrincipalName: string }>("me");
    expect(me.userPrincipalName).toBe("ada.lovelace@outlook.example");
    expect(await conn.account()).toEqual({ email: "ada.lovelace@outlook.example", name: "Ada Lovelace" });
  });

  it("makes one broker call for many concurrent token() calls", async () => {
    const conn = onedriveConnect(stack.connectOptions);
    const before = await stack.broker.app.inject({ method: "GET", url: "/metrics" });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => conn.token()));
    expect(new Set(tokens).size).toBe(1);
    const after = await stack.broker.app.inject({ method: "GET", url: "/metrics" });
    expect(mints(after.body) - mints(before.body)).toBe(1);
  });

  it("gets a fresh token after Graph refuses the cached one (401), without the caller noticing", async () => {
    const conn = onedriveConnect(stack.connectOptions);
    const first = await conn.token();
    await stack.emu.admin.expireTokens();
    const items = await conn.list("");
    expect(items.length).toBeGreaterThan(0);
    expect(await conn.token()).not.toBe(first);
  });

  it("resolves onedrive:// paths to the current connection", async () => {
    onedriveConnect(stack.connectOptions);
    await writeCsv("onedrive://data/m.csv", [
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    const rows = await readCsv("onedrive://data/m.csv", { cast: true });
    expect(rows).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    expect(await fs.exists("data/m.csv")).toBe(true);
  });

  it("finds the broker from FERRY_URL + FERRY_API_KEY, then from the credentials file (mode 0600)", async () => {
    const env = { ...process.env };
    const home = await mkdtemp(join(tmpdir(), "ferry-creds-"));
    try {
      process.env.FERRY_URL = stack.broker.url;
      process.env.FERRY_API_KEY = stack.apiKey;
      process.env.FERRY_GRAPH_URL = stack.emu.graphUrl;
      expect((await onedriveConnect().list("reports")).length).toBe(1);
      delete process.env.FERRY_URL;
      delete process.env.FERRY_API_KEY;
      process.env.FERRY_HOME = home;
      const file = writeCredentials({
        url: stack.broker.url,
        apiKey: stack.apiKey,
        graphUrl: stack.emu.graphUrl,
      });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      delete process.env.FERRY_GRAPH_URL;
      const conn = onedriveConnect();
      expect(conn.broker.source).toBe("credentials file");
      expect((await conn.list("reports")).length).toBe(1);
      // A key file others can read is refused, with the fix in the message.
      await writeFile(file, await readFile(file), { mode: 0o644 });
      const { chmod } = await import("node:fs/promises");
      await chmod(file, 0o644);
      expect(() => onedriveConnect()).toThrow(/chmod 600/);
    } finally {
      process.env = env;
      await rm(home, { recursive: true, force: true });
    }
  });

  it("says how to fix it when no broker is configured", () => {
    const env = { ...process.env };
    try {
      delete process.env.FERRY_URL;
      delete process.env.FERRY_API_KEY;
      process.env.FERRY_HOME = join(tmpdir(), "ferry-nowhere-does-not-exist");
      expect(() => onedriveConnect()).toThrow(/ferry login/);
    } finally {
      process.env = env;
    }
  });

  it("reports a revoked grant as 'needs reconnecting' with the command to run", async () => {
    const conn = onedriveConnect(stack.connectOptions);
    await conn.token();
    await stack.emu.admin.revoke("personal");
    await expect(conn.list("")).rejects.toThrow(
      /OneDrive needs reconnecting: run `ferry integrations onedrive connect`/,
    );
  });
});

describe("a job that outlives its tokens", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ tokenLifetime: 62 });
  });
  afterAll(() => stack.close());

  it("keeps reading and writing across three token expiries with no action from the caller", async () => {
    const conn = onedriveConnect(stack.connectOptions);
    const seen = new Set<string>();
    for (let round = 0; round < 4; round++) {
      await conn.upload(`long/round-${round}.txt`, new TextEncoder().encode(`round ${round}`));
      expect(new TextDecoder().decode(await conn.download(`long/round-${round}.txt`))).toBe(`round ${round}`);
      seen.add(await conn.token());
      // Past the token's lifetime on the emulator's clock, and (minus the 60 s margin) on ours.
      await stack.emu.admin.advanceClock(70);
      await stack.emu.admin.expireTokens();
    }
    expect((await conn.list("long")).length).toBe(4);
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });
});

function mints(metrics: string): number {
  let total = 0;
  for (const line of metrics.split("\n")) {
    if (line.startsWith("ferry_broker_mints_total") && line.includes('result="ok"'))
      total += Number(line.split(" ").at(-1));
  }
  return total;
}
