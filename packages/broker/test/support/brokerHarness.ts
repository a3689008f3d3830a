import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DEV_CLIENT_ID, type RunningEmulator, startEmulator } from "@ferry/emulator";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import {
  type BrokerConfig,
  type BrokerOptions,
  CONFIRM_PATH,
  createApiKey,
  createLoginLink,
  createUser,
  type Dialect,
  loadConfig,
  MasterKey,
  type RunningBroker,
  ScriptedBrowser,
  SESSION_COOKIE,
  START_PATH,
  startBroker,
  type User,
} from "../../src/index.ts";
import { type TestDatabase, useTestDatabase } from "../helpers.ts";

export const PUBLIC_URL = "http://127.0.0.1:7878";
const NO_WEB_DIR = join(tmpdir(), "ferry-broker-tests-no-web-page");

/** One emulator per test file (each test starts from a clean identity state), with a fast device-code interval. */
export function useEmulator(): { readonly current: RunningEmulator } {
  let emu: RunningEmulator | undefined;
  beforeAll(async () => {
    emu = await startEmulator({ deviceCodeInterval: 1 });
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(async () => {
    await emu?.admin.reset({ identity: true });
    await emu?.admin.settings({ autoConsent: false, tokenLifetime: 3600 });
  });
  return {
    get current() {
      if (emu === undefined) throw new Error("no emulator outside a test");
      return emu;
    },
  };
}

export function brokerConfig(
  emu: RunningEmulator,
  database: TestDatabase,
  home: string,
  key: MasterKey,
): BrokerConfig {
  return {
    ...loadConfig({
      FERRY_HOME: home,
      FERRY_MASTER_KEY: key.toBase64(),
      FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
      FERRY_MS_AUTHORITY: emu.authority,
      FERRY_GRAPH_URL: emu.graphUrl,
      FERRY_PUBLIC_URL: PUBLIC_URL,
    }),
    database: database.config,
  };
}

/** Everything one broker test needs: a database, an emulator, a running broker, and ways to drive them. */
export interface BrokerUnderTest {
  readonly emu: RunningEmulator;
  readonly database: TestDatabase;
  readonly broker: RunningBroker;
  readonly config: BrokerConfig;
  readonly masterKey: MasterKey;
  /** Every log line the broker wrote during the test. */
  readonly logs: string[];
  /** Token and device-code endpoint responses the broker received (the plaintexts the at-rest tests look for). */
  readonly tokenResponses: Record<string, unknown>[];
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Starts another broker on the same database (another instance), closed after the test. */
  startAnother(options?: BrokerOptions): Promise<RunningBroker>;
  /** Replaces the broker with a fresh one on the same database, as a restart would. */
  restart(options?: BrokerOptions): Promise<RunningBroker>;
}

export function useBroker(
  dialect: Dialect,
  emulator: { readonly current: RunningEmulator },
  options: BrokerOptions = {},
): BrokerUnderTest {
  const t = useTestDatabase(dialect);
  let state:
    | {
        broker: RunningBroker;
        config: BrokerConfig;
        home: string;
        key: MasterKey;
        logs: string[];
        tokenResponses: Record<string, unknown>[];
        others: RunningBroker[];
      }
    | undefined;

  function start(
    config: BrokerConfig,
    logs: string[],
    tokenResponses: Record<string, unknown>[],
    extra: BrokerOptions,
  ) {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(
          ...chunk
            .toString()
            .split("\n")
            .filter((line) => line !== ""),
        );
        callback();
      },
    });
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await (extra.fetch ?? options.fetch ?? fetch)(input, init);
      const url = String(input instanceof Request ? input.url : input);
      if ((url.includes("/oauth2/v2.0/token") || url.includes("/oauth2/v2.0/devicecode")) && response.ok) {
        tokenResponses.push((await response.clone().json()) as Record<string, unknown>);
      }
      return response;
    };
    return startBroker(config, {
      port: 0,
      keepAliveIntervalMs: 0,
      devicePollIntervalMs: 0,
      // Tests expire rows on purpose and look at them; they call purgeExpired() when they want a purge.
      purgeIntervalMs: 0,
      // Tests change rows behind the broker's back; a cached token would hide that.
      tokenCacheMs: 0,
      logger: { level: "debug", stream },
      // The placeholder page unless a test passes its own: packages/web/dist, once built, would otherwise take `/`.
      webDir: NO_WEB_DIR,
      ...options,
      ...extra,
      fetch: recordingFetch,
    });
  }

  beforeEach(async () => {
    const home = await mkdtemp(join(tmpdir(), "ferry-broker-home-"));
    const key = MasterKey.generate();
    const config = brokerConfig(emulator.current, t.current, home, key);
    const logs: string[] = [];
    const tokenResponses: Record<string, unknown>[] = [];
    const broker = await start(config, logs, tokenResponses, {});
    state = { broker, config, home, key, logs, tokenResponses, others: [] };
  });
  afterEach(async () => {
    if (state === undefined) return;
    for (const other of state.others) await other.close();
    await state.broker.close();
    await rm(state.home, { recursive: true, force: true });
    state = undefined;
  });

  function current() {
    if (state === undefined) throw new Error("no broker outside a test");
    return state;
  }

  return {
    get emu() {
      return emulator.current;
    },
    get database() {
      return t.current;
    },
    get broker() {
      return current().broker;
    },
    get config() {
      return current().config;
    },
    get masterKey() {
      return current().key;
    },
    get logs() {
      return current().logs;
    },
    get tokenResponses() {
      return current().tokenResponses;
    },
    inject: (options) => current().broker.app.inject(options),
    async startAnother(extra = {}) {
      const s = current();
      const other = await start(s.config, s.logs, s.tokenResponses, extra);
      s.others.push(other);
      return other;
    },
    async restart(extra = {}) {
      const s = current();
      await s.broker.close();
      s.broker = await start(s.config, s.logs, s.tokenResponses, extra);
      return s.broker;
    },
  };
}

export interface TestUser {
  user: User;
  /** A full API key, for `Authorization: Bearer`. */
  key: string;
  keyId: string;
  bearer: { authorization: string };
}

export async function createTestUser(b: BrokerUnderTest, name: string, isAdmin = false): Promise<TestUser> {
  const user = await createUser(b.database.db, { name, isAdmin });
  const created = await createApiKey(b.database.db, { userId: user.id, name: "test" });
  return {
    user,
    key: created.token,
    keyId: created.apiKey.id,
    bearer: { authorization: `Bearer ${created.token}` },
  };
}

export interface TestSession {
  /** The login link's one-time token that started the session. */
  loginToken: string;
  cookie: string;
  csrfToken: string;
  /** Headers of a same-origin page request: the cookie, the CSRF token, and the browser's origin headers. */
  headers: Record<string, string>;
}

/** What pressing "Sign in" on the login link's page sends: a same-origin form POST of its token. */
export function redeemLoginLinkForm(
  b: Pick<BrokerUnderTest, "inject">,
  token: string,
  headers: Record<string, string> = { "sec-fetch-site": "same-origin" },
): Promise<LightMyRequestResponse> {
  return b.inject({
    method: "POST",
    url: "/login",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: new URLSearchParams({ token }).toString(),
  });
}

/** Signs a browser in through a login link, as a person would, and fetches the page's CSRF token. */
export async function signIn(b: BrokerUnderTest, user: User): Promise<TestSession> {
  const link = await createLoginLink(b.database.db, { userId: user.id });
  const login = await redeemLoginLinkForm(b, link.token);
  expect(login.statusCode).toBe(303);
  const setCookie = login.cookies.find((c) => c.name === SESSION_COOKIE);
  expect(setCookie?.httpOnly).toBe(true);
  const cookie = `${SESSION_COOKIE}=${setCookie?.value}`;
  const session = await b.inject({ method: "GET", url: "/api/v1/session", headers: { cookie } });
  expect(session.statusCode).toBe(200);
  const csrfToken = session.json<{ csrfToken: string }>().csrfToken;
  return {
    loginToken: link.token,
    cookie,
    csrfToken,
    headers: { cookie, "x-csrf-token": csrfToken, origin: PUBLIC_URL, "sec-fetch-site": "same-origin" },
  };
}

/** A sign-in as far as Microsoft's answer: the flow, bound to a browser, and where Microsoft sends it back. */
export interface ConnectFlow {
  /** The broker's start link the connect route answered. */
  startUrl: string;
  /** Microsoft's authorization URL the bound browser was sent to. */
  authorizationUrl: string;
  /** The callback path and query Microsoft redirected to. */
  callback: string;
  state: string;
  code: string;
  /** The Cookie header of the browser that started the flow: its binding cookie (and session, if it has one). */
  cookie: string;
}

/**
 * Starts the authorization-code flow for whoever `headers` authenticate, binds it to a browser as that person's
 * browser would (the page's own session goes straight on; a key-started flow presses Continue on the start page),
 * signs in at the emulator as `account`, and returns where Microsoft sends the browser back.
 */
/** Asks the broker to start a connect (API key or page session in `headers`); returns the start link it hands out. */
export async function connectLink(b: BrokerUnderTest, headers: Record<string, string>): Promise<string> {
  const started = await b.inject({ method: "POST", url: "/api/v1/integrations/onedrive/connect", headers });
  expect(started.statusCode).toBe(200);
  return started.json<{ authorizationUrl: string }>().authorizationUrl;
}

export async function startConnectFlow(
  b: BrokerUnderTest,
  headers: Record<string, string>,
  account = "personal",
): Promise<ConnectFlow> {
  await b.emu.admin.settings({ autoConsent: account });
  const startUrl = await connectLink(b, headers);
  const bound = await bindFlow(b, startUrl, headers.cookie);
  const callback = await authorize(bound.authorizationUrl, account);
  const query = new URL(callback, PUBLIC_URL).searchParams;
  return {
    startUrl,
    authorizationUrl: bound.authorizationUrl,
    callback,
    state: query.get("state")!,
    code: query.get("code")!,
    cookie: bound.cookie,
  };
}

/**
 * Opens a start link in a browser whose cookies are `cookie` (a page session, or none): the own session goes on at
 * once, otherwise Continue is pressed on the start page. Returns Microsoft's URL and the browser's cookies then.
 */
export async function bindFlow(
  b: Pick<BrokerUnderTest, "inject">,
  startUrl: string,
  cookie?: string,
): Promise<{ authorizationUrl: string; cookie: string }> {
  const path = new URL(startUrl).pathname;
  const page = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };
  let response = await b.inject({
    method: "GET",
    url: path,
    headers: { ...page, "sec-fetch-site": "none", ...(cookie ? { cookie } : {}) },
  });
  if (response.statusCode === 200) {
    // The start page: press Continue, a same-origin form POST.
    response = await b.inject({
      method: "POST",
      url: START_PATH,
      headers: {
        ...page,
        "sec-fetch-site": "same-origin",
        origin: PUBLIC_URL,
        "content-type": "application/x-www-form-urlencoded",
        ...(cookie ? { cookie } : {}),
      },
      payload: new URLSearchParams({ token: path.split("/").at(-1)! }).toString(),
    });
  }
  expect(response.statusCode, response.body).toBe(303);
  const binding = response.cookies.find((c) => c.name === "ferry_connect");
  expect(binding?.httpOnly).toBe(true);
  const cookies = [cookie, `ferry_connect=${binding?.value}`].filter((c) => c !== undefined && c !== "");
  return { authorizationUrl: String(response.headers.location), cookie: cookies.join("; ") };
}

/**
 * Follows Microsoft's authorization URL at the emulator as a browser would: picks `account` on the account picker
 * (`prompt=select_account` shows it even under auto-consent), accepts consent if asked, and returns the callback
 * request the emulator redirected to, as a path for inject().
 */
export async function authorize(authorizationUrl: string, account = "personal"): Promise<string> {
  const browser = new ScriptedBrowser();
  const stopBefore = (url: URL) => url.origin === PUBLIC_URL;
  const done = await browser.clickThrough(
    await browser.open(authorizationUrl, { stopBefore }),
    { account, decision: "accept" },
    { stopBefore },
  );
  const location = done.stoppedAt;
  expect(location, done.page?.body).toBeDefined();
  expect(location!.origin + location!.pathname).toBe(`${PUBLIC_URL}/integrations/onedrive/callback`);
  return location!.pathname + location!.search;
}

/**
 * Finishes a flow in the browser that started it: the callback, then the confirmation page and its answer.
 * Returns the answer to the confirmation (a result page, or a redirect to the page for page-started flows).
 */
export async function finishConnectFlow(
  b: BrokerUnderTest,
  flow: Pick<ConnectFlow, "callback" | "cookie">,
  decision: "connect" | "cancel" = "connect",
): Promise<LightMyRequestResponse> {
  const page = { "sec-fetch-dest": "document", "sec-fetch-mode": "navigate" };
  const callback = await b.inject({
    method: "GET",
    url: flow.callback,
    headers: { ...page, "sec-fetch-site": "cross-site", cookie: flow.cookie },
  });
  expect(callback.statusCode, callback.body).toBe(303);
  const confirmUrl = String(callback.headers.location);
  expect(confirmUrl.startsWith(`${CONFIRM_PATH}?flow=`)).toBe(true);
  const shown = await b.inject({
    method: "GET",
    url: confirmUrl,
    headers: { ...page, "sec-fetch-site": "cross-site", cookie: flow.cookie },
  });
  expect(shown.statusCode, shown.body).toBe(200);
  return answerConfirmation(b, shown.body, flow.cookie, decision);
}

/** Presses Connect or Cancel on a confirmation page's form, as a same-origin form POST from `cookie`'s browser. */
export function answerConfirmation(
  b: Pick<BrokerUnderTest, "inject">,
  html: string,
  cookie: string,
  decision: "connect" | "cancel",
  headers: Record<string, string> = { "sec-fetch-site": "same-origin", origin: PUBLIC_URL },
): Promise<LightMyRequestResponse> {
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";
  return b.inject({
    method: "POST",
    url: CONFIRM_PATH,
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
    payload: new URLSearchParams({ flow: field("flow"), csrf: field("csrf"), decision }).toString(),
  });
}

/** Connects OneDrive for `user` through the whole authorization-code flow, with the emulator answering as `account`. */
export async function connectOneDrive(
  b: BrokerUnderTest,
  user: TestUser,
  account: "personal" | "work" | "personal2" = "personal",
): Promise<LightMyRequestResponse> {
  const flow = await startConnectFlow(b, user.bearer, account);
  const finished = await finishConnectFlow(b, flow);
  expect(finished.statusCode).toBe(200);
  return finished;
}

export async function mint(b: BrokerUnderTest, user: TestUser): Promise<LightMyRequestResponse> {
  return b.inject({ method: "POST", url: "/api/v1/integrations/onedrive/token", headers: user.bearer });
}

/** Makes the stored access token look nearly expired (an hour's token with a minute left), so the next mint must refresh. */
export async function makeStale(b: BrokerUnderTest, userId: string): Promise<void> {
  await b.database.db.kysely
    .updateTable("connections")
    .set({ access_expires_at: Date.now() + 60_000, last_refresh_at: Date.now() - 3_540_000 })
    .where("user_id", "=", userId)
    .execute();
}

/** Graph's /me with a token, as a job would use it: proves the token is valid. */
export async function graphMe(
  emu: RunningEmulator,
  accessToken: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${emu.graphUrl}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: await response.json() };
}
