import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createApiKey, createLogger, createUser, loadConfig, redactUrl, startBroker } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import {
  connectOneDrive,
  createTestUser,
  makeStale,
  mint,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();

for (const dialect of DIALECTS) {
  describe(`health, metrics and logs on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("/ serves a placeholder page until a built web page exists, then serves that", async () => {
      const placeholder = await b.inject({ method: "GET", url: "/?error=access_denied" });
      expect(placeholder.statusCode).toBe(200);
      expect(placeholder.headers["content-security-policy"]).toContain("default-src 'none'");
      expect(placeholder.body).toContain("You declined the connection");
      const webDir = await mkdtemp(join(tmpdir(), "ferry-web-"));
      try {
        await writeFile(join(webDir, "index.html"), "<!doctype html><title>Integrations</title>");
        const withPage = await b.startAnother({ webDir });
        const page = await withPage.app.inject({ method: "GET", url: "/" });
        expect(page.body).toContain("<title>Integrations</title>");
        expect((await withPage.app.inject({ method: "GET", url: "/api/v1/nope" })).json().error.code).toBe(
          "not_found",
        );
      } finally {
        await rm(webDir, { recursive: true, force: true });
      }
    });

    it("/healthz checks the database", async () => {
      const res = await b.inject({ method: "GET", url: "/healthz" });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: "ok", database: dialect });
    });

    it("/metrics counts mints, cache hits, refreshes and refresh failures by reason, with latency histograms", async () => {
      const ada = await createTestUser(b, "ada");
      await connectOneDrive(b, ada);
      await mint(b, ada);
      await makeStale(b, ada.user.id);
      await mint(b, ada);
      await b.emu.admin.revoke("personal");
      await makeStale(b, ada.user.id);
      await mint(b, ada);
      const bob = await createTestUser(b, "bob");
      await mint(b, bob);
      const res = await b.inject({ method: "GET", url: "/metrics" });
      expect(res.headers["content-type"]).toContain("text/plain");
      const text = res.body;
      expect(text).toContain('ferry_broker_mints_total{result="ok"} 2');
      expect(text).toContain('ferry_broker_mints_total{result="needs_reconnect"} 1');
      expect(text).toContain('ferry_broker_mints_total{result="not_connected"} 1');
      expect(text).toContain("ferry_broker_mint_cache_hits_total 1");
      expect(text).toContain('ferry_broker_refreshes_total{trigger="mint"} 1');
      expect(text).toContain('ferry_broker_refresh_failures_total{reason="invalid_grant"} 1');
      expect(text).toMatch(/ferry_broker_mint_duration_seconds_bucket\{le="0.005",source="cache"\} \d+/);
      expect(text).toMatch(/ferry_broker_refresh_duration_seconds_count 2/);
    });

    it("logs structured lines with credentials redacted", async () => {
      const ada = await createTestUser(b, "ada");
      await b.inject({ method: "GET", url: "/api/v1/me", headers: ada.bearer });
      const lines = b.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.some((l) => (l.req as { url?: string } | undefined)?.url === "/api/v1/me")).toBe(true);
      expect(b.logs.join("\n")).not.toContain(ada.key);
    });
  });
}

describe("the logger", () => {
  it("blanks an authorization code in a request's parts but keeps error codes, which diagnose failures", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ stream });
    const dbError = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    logger.error(
      { err: dbError, callback: { query: { code: "M.C5_authcode" }, body: { code: "M.C5_other" } } },
      "x",
    );
    await new Promise((resolve) => setImmediate(resolve));
    const line = JSON.parse(lines.join(""));
    expect(line.err.code).toBe("57P01");
    expect(line.callback.query.code).toBe("[redacted]");
    expect(line.callback.body.code).toBe("[redacted]");
    expect(lines.join("")).not.toContain("M.C5_");
  });
});

describe("redactUrl", () => {
  it("blanks login-link tokens and every query value", () => {
    expect(redactUrl("/login/abc")).toBe("/login/[redacted]");
    expect(redactUrl("/integrations/onedrive/callback?code=c&state=s")).toBe(
      "/integrations/onedrive/callback?code=[redacted]&state=[redacted]",
    );
    expect(redactUrl("/login?token=t")).toBe("/login?token=[redacted]");
    expect(redactUrl("/api/v1/me")).toBe("/api/v1/me");
  });
});

describe("the embedded default (SQLite in FERRY_HOME, generated master key)", () => {
  it("generates the master key once, says where it is once, and reuses it after a restart", async () => {
    const home = await mkdtemp(join(tmpdir(), "ferry-embedded-"));
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    try {
      const config = loadConfig({ FERRY_HOME: home, HOME: home });
      expect(config.database).toEqual({ kind: "sqlite", path: join(home, "ferry.db") });
      const first = await startBroker(config, { port: 0, logger: { stream } });
      expect(first.generatedMasterKeyFile).toBe(join(home, "master.key"));
      expect((await stat(join(home, "master.key"))).mode & 0o777).toBe(0o600);
      expect(lines.filter((l) => l.includes("Generated a new master key"))).toHaveLength(1);
      const user = await createUser(first.db, { name: "ada" });
      const key = await createApiKey(first.db, { userId: user.id, name: "x" });
      await first.close();

      const second = await startBroker(config, { port: 0, logger: { stream } });
      expect(second.generatedMasterKeyFile).toBeUndefined();
      expect(lines.filter((l) => l.includes("Generated a new master key"))).toHaveLength(1);
      const res = await fetch(`${second.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${key.token}` },
      });
      expect((await res.json()).user.name).toBe("ada");
      // Without an app registration the broker runs, and says what is missing when asked to connect.
      const connect = await fetch(`${second.url}/api/v1/integrations/onedrive/connect`, {
        method: "POST",
        headers: { authorization: `Bearer ${key.token}` },
      });
      expect(connect.status).toBe(503);
      expect((await connect.json()).error).toMatchObject({ code: "not_configured" });
      expect(await second.db.kysely.selectFrom("oauth_states").selectAll().execute()).toEqual([]);
      await second.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
