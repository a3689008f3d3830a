import { isIP } from "node:net";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import { type MasterKey, parseMasterKeys } from "./masterKeys.ts";
import { Secret } from "./secret.ts";

/** Where the broker keeps its data: one SQLite file in FERRY_HOME, or a PostgreSQL server shared by instances. */
export type DatabaseConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export interface MicrosoftConfig {
  /** Undefined until an Entra app is registered; only connecting needs it, so the broker can start without it. */
  clientId: string | undefined;
  /** Optional: without it the broker is a public client and relies on PKCE alone. */
  clientSecret: Secret | undefined;
  tenant: string;
  authority: string;
}

/**
 * Which peers may tell the broker a client's address in X-Forwarded-For (FERRY_TRUST_PROXY). Either the proxies'
 * own addresses (IPs, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`), or a number of proxy hops in front
 * of the broker, the nearest of which must connect from a loopback or private address. X-Forwarded-For from any
 * other peer is ignored: the socket's address is the client's.
 */
export type TrustProxy = { hops: number } | { addresses: readonly string[] };

export interface BrokerConfig {
  home: string;
  database: DatabaseConfig;
  /** Undefined means embedded mode: the key is generated into (and later read from) FERRY_HOME. */
  masterKeys: readonly MasterKey[] | undefined;
  /** Without a trailing slash, so routes can be appended. */
  publicUrl: string;
  redirectUri: string;
  /** Cookies marked Secure would never come back over plain http, so this follows the public URL's scheme. */
  secureCookies: boolean;
  microsoft: MicrosoftConfig;
  graphUrl: string;
  /** Undefined: X-Forwarded-For is never trusted. */
  trustProxy: TrustProxy | undefined;
  /** FERRY_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`. */
  metricsToken: Secret | undefined;
}

export const CALLBACK_PATH = "/integrations/onedrive/callback";
/** The broker URL a connect hands out: opened as a page, it binds the flow to the browser, then goes to Microsoft. */
export const START_PATH = "/integrations/onedrive/start";
/** Where the person confirms which Microsoft account goes to which Ferry user. */
export const CONFIRM_PATH = "/integrations/onedrive/confirm";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the broker's FERRY_* variables (listed with their defaults in packages/broker/README.md) from `env` (pass
 * `process.env`); throws ConfigError naming the first bad one.
 */
export function loadConfig(env: Env): BrokerConfig {
  const home = readHome(env);
  const publicUrl = readHttpUrl(
    env,
    "FERRY_PUBLIC_URL",
    "http://127.0.0.1:7878",
    "https://ferry.example.com",
  );
  const clientSecret = read(env, "FERRY_MS_CLIENT_SECRET");
  const masterKeyList = read(env, "FERRY_MASTER_KEY");
  const metricsToken = read(env, "FERRY_METRICS_TOKEN");
  return {
    home,
    database: readDatabase(env, home),
    masterKeys: masterKeyList === undefined ? undefined : parseMasterKeys(masterKeyList, "FERRY_MASTER_KEY"),
    publicUrl,
    redirectUri: publicUrl + CALLBACK_PATH,
    secureCookies: publicUrl.startsWith("https:"),
    microsoft: {
      clientId: read(env, "FERRY_MS_CLIENT_ID"),
      clientSecret: clientSecret === undefined ? undefined : new Secret(clientSecret),
      tenant: readTenant(env),
      authority: readHttpUrl(
        env,
        "FERRY_MS_AUTHORITY",
        "https://login.microsoftonline.com",
        "http://127.0.0.1:8080 for the emulator",
      ),
    },
    graphUrl: readHttpUrl(
      env,
      "FERRY_GRAPH_URL",
      "https://graph.microsoft.com/v1.0",
      "http://127.0.0.1:8080/v1.0 for the emulator",
    ),
    trustProxy: parseTrustProxy(read(env, "FERRY_TRUST_PROXY")),
    metricsToken: metricsToken === undefined ? undefined : new Secret(metricsToken),
  };
}

const MAX_PROXY_HOPS = 10;
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** FERRY_TRUST_PROXY (or `--trust-proxy`): a hop count, or proxy addresses separated by commas or spaces. */
export function parseTrustProxy(raw: string | undefined): TrustProxy | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = raw.trim();
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > MAX_PROXY_HOPS) {
      throw new ConfigError(
        "FERRY_TRUST_PROXY",
        `"${value}" is not a number of proxy hops from 1 to ${MAX_PROXY_HOPS}; or list the proxies' addresses, such as 10.0.0.5,10.0.0.6`,
      );
    }
    return { hops };
  }
  if (/^(true|yes|on)$/i.test(value)) {
    // Trusting every peer would let any client choose its own address (and so escape the failure limiter).
    throw new ConfigError(
      "FERRY_TRUST_PROXY",
      "cannot trust every peer: that lets any client claim any address in X-Forwarded-For. Give the number of proxies in front of the broker (1 for one reverse proxy) or their addresses, such as 10.0.0.5 or 10.0.0.0/24",
    );
  }
  const addresses = value.split(/[\s,]+/).filter((a) => a !== "");
  for (const address of addresses) {
    const [ip = "", bits, extra] = address.split("/");
    const family = isIP(ip);
    const maxBits = family === 4 ? 32 : 128;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!NAMED_RANGES.has(address) && (family === 0 || !validBits || extra !== undefined)) {
      throw new ConfigError(
        "FERRY_TRUST_PROXY",
        `"${address.slice(0, 60)}" is not a proxy address: use an IP address, a CIDR range such as 10.0.0.0/24, loopback, linklocal or uniquelocal, or a hop count such as 1`,
      );
    }
  }
  return { addresses };
}

/** Empty counts as unset: compose files and CI templates often export a variable with nothing in it. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function readHome(env: Env): string {
  const raw = read(env, "FERRY_HOME");
  const userHome = read(env, "HOME") ?? homedir();
  if (raw === undefined) return join(userHome, ".ferry");
  // A quoted "~/x" in a unit file or .env reaches us unexpanded; the shell would have expanded it.
  const expanded = raw === "~" ? userHome : raw.startsWith("~/") ? join(userHome, raw.slice(2)) : raw;
  return isAbsolute(expanded) ? expanded : resolve(expanded);
}

function readDatabase(env: Env, home: string): DatabaseConfig {
  const raw = read(env, "FERRY_DATABASE_URL");
  if (raw === undefined) return { kind: "sqlite", path: join(home, "ferry.db") };
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      new URL(raw);
    } catch {
      // The URL may hold a password, so it is not repeated back.
      throw new ConfigError(
        "FERRY_DATABASE_URL",
        "is not a valid PostgreSQL URL; use postgres://user:password@host:5432/database",
      );
    }
    return { kind: "postgres", url: raw };
  }
  if (/^sqlite:/i.test(raw)) {
    let path = raw.slice("sqlite:".length);
    // sqlite:///abs/path is the URL spelling of sqlite:/abs/path.
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") {
      throw new ConfigError(
        "FERRY_DATABASE_URL",
        `names no file; use sqlite:${join(home, "ferry.db")} or leave it unset for that default`,
      );
    }
    if (path === ":memory:") return { kind: "sqlite", path };
    return { kind: "sqlite", path: isAbsolute(path) ? path : resolve(path) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  throw new ConfigError(
    "FERRY_DATABASE_URL",
    `${scheme ? `scheme "${scheme}:" is not supported` : "is not a database URL"}; use sqlite:/path/to/ferry.db ` +
      "or postgres://user:password@host:5432/database",
  );
}

function readHttpUrl(env: Env, name: string, fallback: string, example: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `"${raw}" is not a URL; use an http(s) URL such as ${example}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(name, `must be an http:// or https:// URL, such as ${example}`);
  }
  if (url.username !== "" || url.password !== "") {
    // Credentials in this URL would end up in redirects and logs; and they are not repeated here either.
    throw new ConfigError(
      name,
      `must not contain a user name or password; use a plain URL such as ${example}`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConfigError(
      name,
      `must not have a query string or fragment; use a plain URL such as ${example}`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

function readTenant(env: Env): string {
  const tenant = read(env, "FERRY_MS_TENANT") ?? "common";
  // The tenant becomes a path segment of the authority URL, so anything beyond a name or GUID could reroute it.
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(tenant)) {
    throw new ConfigError(
      "FERRY_MS_TENANT",
      `"${tenant}" is not a tenant; use common, consumers, organizations, a tenant GUID or a domain such as contoso.onmicrosoft.com`,
    );
  }
  return tenant;
}
