import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/index.ts";

const HOME = "/home/ada";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ HOME, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the DESIGN.md defaults", () => {
    const config = loadConfig({ HOME });
    expect(config.home).toBe("/home/ada/.ferry");
    expect(config.database).toEqual({ kind: "sqlite", path: "/home/ada/.ferry/ferry.db" });
    expect(config.masterKeys).toBeUndefined();
    expect(config.publicUrl).toBe("http://127.0.0.1:7878");
    expect(config.redirectUri).toBe("http://127.0.0.1:7878/integrations/onedrive/callback");
    expect(config.secureCookies).toBe(false);
    expect(config.microsoft).toEqual({
      clientId: undefined,
      clientSecret: undefined,
      tenant: "common",
      authority: "https://login.microsoftonline.com",
    });
    expect(config.graphUrl).toBe("https://graph.microsoft.com/v1.0");
    expect(config.trustProxy).toBeUndefined();
    expect(config.metricsToken).toBeUndefined();
  });

  it("reads every variable", () => {
    const key = randomBytes(32).toString("base64");
    const config = loadConfig({
      HOME,
      FERRY_HOME: "/srv/ferry",
      FERRY_DATABASE_URL: "postgres://ferry:pw@db.internal:5433/ferry",
      FERRY_MASTER_KEY: key,
      FERRY_PUBLIC_URL: "https://ferry.example.com/",
      FERRY_MS_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
      FERRY_MS_CLIENT_SECRET: "s3cr3t-value",
      FERRY_MS_TENANT: "contoso.onmicrosoft.com",
      FERRY_MS_AUTHORITY: "http://127.0.0.1:8080/",
      FERRY_GRAPH_URL: "http://127.0.0.1:8080/v1.0/",
      FERRY_TRUST_PROXY: "10.0.0.5,10.0.0.6",
      FERRY_METRICS_TOKEN: "scrape-t0ken",
    });
    expect(config.home).toBe("/srv/ferry");
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://ferry:pw@db.internal:5433/ferry" });
    expect(config.masterKeys?.map((k) => k.toBase64())).toEqual([key]);
    expect(config.publicUrl).toBe("https://ferry.example.com");
    expect(config.redirectUri).toBe("https://ferry.example.com/integrations/onedrive/callback");
    expect(config.secureCookies).toBe(true);
    expect(config.microsoft.clientId).toBe("11111111-2222-3333-4444-555555555555");
    expect(config.microsoft.clientSecret?.reveal()).toBe("s3cr3t-value");
    expect(config.microsoft.tenant).toBe("contoso.onmicrosoft.com");
    expect(config.microsoft.authority).toBe("http://127.0.0.1:8080");
    expect(config.graphUrl).toBe("http://127.0.0.1:8080/v1.0");
    expect(config.trustProxy).toEqual({ addresses: ["10.0.0.5", "10.0.0.6"] });
    expect(config.metricsToken?.reveal()).toBe("scrape-t0ken");
  });

  it("keeps the client secret, the metrics token and master keys out of inspect and JSON", () => {
    const key = randomBytes(32).toString("base64");
    const config = loadConfig({
      HOME,
      FERRY_MS_CLIENT_SECRET: "s3cr3t-value",
      FERRY_MASTER_KEY: key,
      FERRY_METRICS_TOKEN: "s3cr3t-value",
    });
    for (const rendered of [
      inspect(config, { depth: 10 }),
      JSON.stringify(config),
      `${config.microsoft.clientSecret}`,
    ]) {
      expect(rendered).not.toContain("s3cr3t-value");
      expect(rendered).not.toContain(key);
    }
  });

  it("treats empty variables as unset and expands ~ in FERRY_HOME", () => {
    const config = loadConfig({
      HOME,
      FERRY_HOME: "~/data/ferry",
      FERRY_DATABASE_URL: "  ",
      FERRY_MS_TENANT: "",
    });
    expect(config.home).toBe("/home/ada/data/ferry");
    expect(config.database).toEqual({ kind: "sqlite", path: "/home/ada/data/ferry/ferry.db" });
    expect(config.microsoft.tenant).toBe("common");
  });

  it("accepts sqlite: URLs with absolute, triple-slash and in-memory paths", () => {
    expect(loadConfig({ HOME, FERRY_DATABASE_URL: "sqlite:/var/lib/ferry.db" }).database).toEqual({
      kind: "sqlite",
      path: "/var/lib/ferry.db",
    });
    expect(loadConfig({ HOME, FERRY_DATABASE_URL: "sqlite:///var/lib/ferry.db" }).database).toEqual({
      kind: "sqlite",
      path: "/var/lib/ferry.db",
    });
    expect(loadConfig({ HOME, FERRY_DATABASE_URL: "sqlite::memory:" }).database).toEqual({
      kind: "sqlite",
      path: ":memory:",
    });
    expect(loadConfig({ HOME, FERRY_DATABASE_URL: "postgresql://h/db" }).database.kind).toBe("postgres");
  });

  it("names the variable and says what to use for a bad database URL, without echoing it", () => {
    const error = configError({ FERRY_DATABASE_URL: "mysql://root:hunter2@db/ferry" });
    expect(error.source).toBe("FERRY_DATABASE_URL");
    expect(error.message).toContain('scheme "mysql:" is not supported');
    expect(error.message).toContain("postgres://");
    expect(error.message).not.toContain("hunter2");
    expect(configError({ FERRY_DATABASE_URL: "sqlite:" }).message).toContain("names no file");
  });

  it("rejects public URLs that are not plain http(s)", () => {
    expect(configError({ FERRY_PUBLIC_URL: "ftp://x" }).message).toMatch(
      /^FERRY_PUBLIC_URL: must be an http/,
    );
    expect(configError({ FERRY_PUBLIC_URL: "not a url" }).message).toContain("is not a URL");
    const withPassword = configError({ FERRY_PUBLIC_URL: "https://me:hunter2@ferry.example.com" });
    expect(withPassword.message).toContain("must not contain a user name or password");
    expect(withPassword.message).not.toContain("hunter2");
    expect(configError({ FERRY_GRAPH_URL: "https://graph.example.com/v1.0?x=1" }).source).toBe(
      "FERRY_GRAPH_URL",
    );
  });

  it("rejects a tenant that could change the authority path", () => {
    const error = configError({ FERRY_MS_TENANT: "common/../evil" });
    expect(error.source).toBe("FERRY_MS_TENANT");
    expect(error.message).toContain("common, consumers, organizations");
  });

  it("reports a malformed FERRY_MASTER_KEY by position without echoing it", () => {
    const good = randomBytes(32).toString("base64");
    const short = randomBytes(16).toString("base64");
    const error = configError({ FERRY_MASTER_KEY: `${good}, ${short}` });
    expect(error.source).toBe("FERRY_MASTER_KEY");
    expect(error.message).toContain("key 2 of 2 decodes to 16 bytes");
    expect(error.message).toContain("openssl rand -base64 32");
    expect(error.message).not.toContain(short);
    expect(error.message).not.toContain(good);
  });
});
