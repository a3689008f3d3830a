/**
 * `npm run bench:broker`: how many cached mints (`POST /api/v1/integrations/onedrive/token` answered without calling
 * Microsoft) one broker process serves, on SQLite and on PostgreSQL. The broker runs as its own process and
 * autocannon drives it from this one, so client and server do not share an event loop. Each configuration gets a
 * warm-up, then a measured run; the broker's in-process caches (verified API keys, decrypted access tokens) are
 * measured on and off, to show what they buy.
 *
 * Target (issue 4): at least 3,000 mints/s with p99 of 20 ms or less on this 2-core machine.
 * Options: --duration S (10), --connections N (50), --postgres URL (FERRY_BENCH_POSTGRES_URL or the test default).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type BrokerOptions,
  connectOneDriveScripted,
  createApiKey,
  createUser,
  loadConfig,
  MasterKey,
  openBrokerStore,
  ScriptedBrowser,
} from "@ferry/broker";
import { DEV_CLIENT_ID, startEmulator } from "@ferry/emulator";
import autocannon from "autocannon";
import pg from "pg";
import { startBrokerProcess, stopBrokerProcess } from "./lib/brokerProcess.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench/results/broker.json");
const TARGET_RPS = 3000;
const TARGET_P99_MS = 20;

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    postgres: { type: "string" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const postgresUrl =
  values.postgres ?? process.env.FERRY_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Run {
  database: "sqlite" | "postgres";
  caches: "on" | "off";
  mintsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  errors: number;
  non2xx: number;
  meetsTarget: boolean;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function measure(url: string, key: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/api/v1/integrations/onedrive/token`,
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    connections,
    duration: seconds,
  });
}

const emu = await startEmulator({ autoConsent: "personal" });
const runs: Run[] = [];
const loadBefore = loadavg()[0] ?? 0;
try {
  for (const database of ["sqlite", "postgres"] as const) {
    const home = await mkdtemp(join(tmpdir(), "ferry-bench-broker-"));
    const schema = `ferry_bench_${randomBytes(4).toString("hex")}`;
    let databaseUrl = `sqlite:${join(home, "ferry.db")}`;
    if (database === "postgres") {
      await adminQuery(`create schema ${schema}`);
      const url = new URL(postgresUrl);
      url.searchParams.set("options", `-c search_path=${schema}`);
      databaseUrl = url.href;
    }
    const env = {
      FERRY_HOME: home,
      FERRY_DATABASE_URL: databaseUrl,
      FERRY_MASTER_KEY: MasterKey.generate().toBase64(),
      FERRY_MS_CLIENT_ID: DEV_CLIENT_ID,
      FERRY_MS_AUTHORITY: emu.authority,
      FERRY_GRAPH_URL: emu.graphUrl,
      FERRY_PUBLIC_URL: "http://127.0.0.1:7878",
    };
    try {
      const store = await openBrokerStore(loadConfig(env));
      const user = await createUser(store.db, { name: "bench" });
      const { token: key } = await createApiKey(store.db, { userId: user.id, name: "bench" });
      await store.close();

      for (const caches of ["on", "off"] as const) {
        const options: BrokerOptions = caches === "on" ? {} : { apiKeyCacheMs: 0, tokenCacheMs: 0 };
        const server = await startBrokerProcess(env, options);
        try {
          if (caches === "on") {
            // Connect once through the real flow (emulator auto-consent); every later mint is a cached one.
            // The broker's public URL (the redirect URI) is 7878; the process listens elsewhere.
            const done = await connectOneDriveScripted({
              brokerUrl: server.url,
              apiKey: key,
              browser: new ScriptedBrowser({ reroute: { "http://127.0.0.1:7878": server.url } }),
            });
            if (done.status !== 200) throw new Error(`connecting failed: ${done.status} ${done.body}`);
          }
          await measure(server.url, key, 2);
          const result = await measure(server.url, key, duration);
          const run: Run = {
            database,
            caches,
            mintsPerSecond: Math.round(result.requests.average),
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            maxMs: result.latency.max,
            requests: result.requests.total,
            errors: result.errors,
            non2xx: result.non2xx,
            meetsTarget: false,
          };
          run.meetsTarget =
            run.mintsPerSecond >= TARGET_RPS &&
            run.p99Ms <= TARGET_P99_MS &&
            run.errors === 0 &&
            run.non2xx === 0;
          runs.push(run);
          console.error(`${database}, caches ${caches}: ${run.mintsPerSecond} mints/s, p99 ${run.p99Ms} ms`);
        } finally {
          await stopBrokerProcess(server.child);
        }
      }
    } finally {
      if (database === "postgres") await adminQuery(`drop schema if exists ${schema} cascade`);
      await rm(home, { recursive: true, force: true });
    }
  }
} finally {
  await emu.close();
}

const report = {
  benchmark: "broker cached mints",
  date: new Date().toISOString(),
  node: process.version,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 },
  },
  route: "POST /api/v1/integrations/onedrive/token",
  connections,
  durationSeconds: duration,
  target: { mintsPerSecond: TARGET_RPS, p99Ms: TARGET_P99_MS },
  runs,
};
mkdirSync(dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);

const header = ["database", "caches", "mints/s", "p50 ms", "p99 ms", "max ms", "errors", "non-2xx", "target"];
const rows = runs.map((r) => [
  r.database,
  r.caches,
  String(r.mintsPerSecond),
  String(r.p50Ms),
  String(r.p99Ms),
  String(r.maxMs),
  String(r.errors),
  String(r.non2xx),
  r.meetsTarget ? "met" : "missed",
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of rows) console.log(line(row));
console.log(
  `\ntarget: ≥ ${TARGET_RPS} mints/s with p99 ≤ ${TARGET_P99_MS} ms (caches on); written to ${RESULTS}`,
);
