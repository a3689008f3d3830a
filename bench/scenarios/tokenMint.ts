// Scenario 6: token mints through the broker. The broker runs as its own process (bench/lib/
// brokerServer.ts, shared with `npm run bench:broker`) on embedded SQLite, connected to this
// profile's emulator through the real authorization-code flow; autocannon drives
// `POST /api/v1/integrations/onedrive/token` from this process.
// - cached: every mint answered from the stored token (no call to Microsoft);
// - storm: the stored access token is made expired, then 500 mints arrive at once; the emulator's
//   counters must show exactly one refresh_token grant, and every mint the same new token.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  connectOneDriveScripted,
  createApiKey,
  createUser,
  loadConfig,
  MasterKey,
  openBrokerStore,
  ScriptedBrowser,
} from "@ferry/broker";
import { DEV_CLIENT_ID } from "@ferry/emulator";
import autocannon from "autocannon";
import { startBrokerProcess, stopBrokerProcess } from "../lib/brokerProcess.ts";
import type { BenchContext, BenchOptions, Row, Scenario } from "../lib/harness.ts";
import { peakRss } from "../lib/peakRss.ts";

const STORM = 500;
const CONNECTIONS = 50;
const TITLE = `token mint (cached; storm of ${STORM})`;

type MintFigures = Record<string, number> & {
  mintsPerSecond: number;
  p99Ms: number;
  failed: number;
  stormSeconds: number;
  stormRefreshes: number;
  stormOk: number;
  stormDistinctTokens: number;
};

export const tokenMint: Scenario = {
  id: "token",
  title: () => TITLE,
  contenders: [],
  async runCustom(ctx, options) {
    const row: Row = {
      profile: ctx.profile.id,
      scenario: "token",
      scenarioTitle: TITLE,
      contender: "broker",
      seconds: 0,
      requests: 0,
      bytesIn: 0,
      bytesOut: 0,
      peakRssBytes: 0,
      runs: [],
    };
    try {
      const { figures, peakRssBytes, stormRequests } = await measureBroker(ctx, options);
      const f = figures;
      Object.assign(row, {
        seconds: f.stormSeconds,
        requests: stormRequests,
        peakRssBytes,
        details: f,
        note: `storm of ${STORM} answered in ${f.stormSeconds.toFixed(2)} s`,
      });
    } catch (error) {
      // The broker is being built alongside this harness: say plainly that it did not run, and why.
      row.notRun = `broker not ready (${(error as Error).message.slice(0, 120)})`;
    }
    return [row];
  },
  targets(rows) {
    const f = rows[0]?.details as MintFigures | undefined;
    if (!f)
      return [
        { target: "cached ≥ 3,000 mints/s, p99 ≤ 20 ms", actual: "not run", met: undefined },
        { target: `storm of ${STORM} → exactly 1 refresh`, actual: "not run", met: undefined },
      ];
    return [
      {
        target: "cached ≥ 3,000 mints/s, p99 ≤ 20 ms",
        actual: `${f.mintsPerSecond.toFixed(0)}/s, p99 ${f.p99Ms} ms${f.failed ? `, ${f.failed} failed` : ""}`,
        met: f.mintsPerSecond >= 3000 && f.p99Ms <= 20 && f.failed === 0,
      },
      {
        target: `storm of ${STORM} → exactly 1 refresh`,
        actual: `${f.stormRefreshes} refresh(es), ${f.stormOk}/${STORM} answered 200, ${f.stormDistinctTokens} distinct token(s)`,
        met: f.stormRefreshes === 1 && f.stormOk === STORM && f.stormDistinctTokens === 1,
      },
    ];
  },
};

async function measureBroker(
  ctx: BenchContext,
  options: BenchOptions,
): Promise<{ figures: MintFigures; peakRssBytes: number; stormRequests: number }> {
  const home = await mkdtemp(join(ctx.tmp, "broker-"));
  const env = {
    FERRY_HOME: home,
    FERRY_DATABASE_URL: `sqlite:${join(home, "ferry.db")}`,
    FERRY_MASTER_KEY: MasterKey.generate().toBase64(),
    FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
    FERRY_MS_AUTHORITY: ctx.emu.url,
    FERRY_GRAPH_URL: ctx.emu.graphUrl,
    FERRY_PUBLIC_URL: "http://127.0.0.1:7878",
  };
  const store = await openBrokerStore(loadConfig(env));
  let server: { child: ChildProcess; url: string } | undefined;
  try {
    const user = await createUser(store.db, { name: "bench" });
    const { token: key } = await createApiKey(store.db, { userId: user.id, name: "bench" });
    // The broker trusts the emulator's certificate the way any Node service would be told to.
    server = await startBrokerProcess({
      ...env,
      ...(ctx.emu.caFile ? { NODE_EXTRA_CA_CERTS: ctx.emu.caFile } : {}),
    });
    await connect(ctx, server.url, key);
    const mintUrl = `${server.url}/api/v1/integrations/onedrive/token`;
    const headers = { authorization: `Bearer ${key}` };

    const seconds = options.sizes.mintSeconds;
    if (options.warmup)
      await autocannon({ url: mintUrl, method: "POST", headers, connections: CONNECTIONS, duration: 1 });
    const cached = await autocannon({
      url: mintUrl,
      method: "POST",
      headers,
      connections: CONNECTIONS,
      duration: seconds,
    });

    // The storm: expire the stored access token (as time would), wait out the broker's in-process
    // token cache, then send every mint at once.
    await store.db.kysely
      .updateTable("connections")
      .set({ access_expires_at: Date.now() - 1000 })
      .where("user_id", "=", user.id)
      .execute();
    await new Promise((r) => setTimeout(r, 2500));
    await ctx.emu.admin.resetCounters();
    const t = performance.now();
    const answers = await Promise.all(
      Array.from({ length: STORM }, async () => {
        const response = await fetch(mintUrl, { method: "POST", headers });
        const body = (await response.json()) as { accessToken?: string };
        return { status: response.status, token: body.accessToken };
      }),
    );
    const stormSeconds = (performance.now() - t) / 1000;
    const counters = await ctx.emu.admin.counters();
    return {
      figures: {
        mintsPerSecond: cached.requests.average,
        p99Ms: cached.latency.p99,
        failed: cached.errors + cached.non2xx,
        stormSeconds,
        stormRefreshes: counters.grants.refresh_token ?? 0,
        stormOk: answers.filter((a) => a.status === 200).length,
        stormDistinctTokens: new Set(answers.map((a) => a.token)).size,
      },
      peakRssBytes: peakRss(server.child.pid ?? 0),
      stormRequests: counters.requests
        .filter((r) => !r.route.includes("/_emulator"))
        .reduce((n, r) => n + r.count, 0),
    };
  } finally {
    if (server) await stopBrokerProcess(server.child);
    await store.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Connects OneDrive through the real authorization-code flow, the emulator consenting for the user. */
async function connect(ctx: BenchContext, brokerUrl: string, key: string): Promise<void> {
  await ctx.emu.admin.settings({ autoConsent: "personal" });
  const done = await connectOneDriveScripted({
    brokerUrl,
    apiKey: key,
    // The broker's public URL (FERRY_PUBLIC_URL above, the redirect URI) is not where this process listens.
    // It talks to the TLS emulator through node:https, which the harness's undici dispatcher does not reach.
    browser: new ScriptedBrowser({
      reroute: { "http://127.0.0.1:7878": brokerUrl },
      ...(ctx.emu.ca ? { ca: ctx.emu.ca } : {}),
    }),
  });
  if (done.status !== 200) throw new Error(`connecting OneDrive answered ${done.status}`);
}
