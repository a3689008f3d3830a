// The side-by-side benchmark: for each network profile, one emulator process (TLS, so Microsoft's
// SDK can talk to it); for each scenario, each contender in its own child process, a warm-up and
// then the measured runs, with the emulator's counters reset before each. `npm run bench` is a
// thin command line over `runBench`; the harness test calls it at tiny sizes.
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "./emulatorProcess.ts";
import type { WorkerArgs } from "./report.ts";
import { median } from "./stats.ts";
import { trustCertificate } from "./tls.ts";
import { removeBundles, runWorker, type WorkerResult } from "./worker.ts";

export type ContenderId = "ferry" | "sdk" | "node" | "limit";
export const CONTENDERS: Record<ContenderId, { label: string; worker: string }> = {
  ferry: { label: "Ferry", worker: join(ROOT, "bench/workers/ferry.ts") },
  sdk: { label: "Graph SDK", worker: join(ROOT, "bench/workers/sdk.ts") },
  node: { label: "Node, bare socket", worker: join(ROOT, "bench/workers/nodeSocket.ts") },
  limit: { label: "limit", worker: join(ROOT, "bench/workers/limit.ts") },
};

export type ProfileId = "lan" | "wan";
export interface Profile {
  id: ProfileId;
  label: string;
  latencyMs: number;
  /** Bytes per second per connection; 0 = none. */
  bandwidth: number;
}
export const PROFILES: Record<ProfileId, Profile> = {
  lan: { id: "lan", label: "LAN", latencyMs: 0, bandwidth: 0 },
  wan: { id: "wan", label: "WAN", latencyMs: 20, bandwidth: 50_000_000 },
};

const MiB = 1024 * 1024;

/** The sizes every scenario reads; `--quick` and the test pick smaller ones. */
export interface Sizes {
  listItems: number;
  fileBytes: number;
  smallFiles: number;
  smallFileBytes: number;
  parquetRows: number;
  /** Concurrent transfers Ferry (one client) and curl (`--parallel-max`) use for small files. */
  smallConcurrency: number;
  /** How long autocannon mints cached tokens. */
  mintSeconds: number;
}
export const FULL: Sizes = {
  listItems: 20_000,
  fileBytes: 1024 * MiB,
  smallFiles: 1000,
  smallFileBytes: 10_000,
  parquetRows: 1_350_000,
  smallConcurrency: 16,
  mintSeconds: 10,
};
export const QUICK: Sizes = {
  listItems: 2000,
  fileBytes: 64 * MiB,
  smallFiles: 60,
  smallFileBytes: 10_000,
  parquetRows: 135_000,
  smallConcurrency: 16,
  mintSeconds: 2,
};

/** What a scenario has to work with in one profile. */
export interface BenchContext {
  emu: EmulatorProcess;
  profile: Profile;
  sizes: Sizes;
  /** Arguments every worker gets: Graph URL, token, certificate. */
  base: WorkerArgs;
  /** A private local folder for fixture files, kept for the whole run. */
  tmp: string;
  /** GET/POST a Graph URL (absolute or relative to v1.0) as this run's user; for set-up only. */
  graph<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface RunKind {
  warmup: boolean;
  /** 0-based index of the measured run (the warm-up is -1). */
  index: number;
}

/** One contender's measured run: what the worker said plus what the emulator counted. */
export interface Measurement extends WorkerResult {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}

/** The median of a contender's measured runs in one scenario and profile. */
export interface Row {
  profile: ProfileId;
  scenario: string;
  scenarioTitle: string;
  contender: ContenderId | "broker";
  seconds: number;
  /** Payload MB/s (1e6), when the scenario moves a payload. */
  mbps?: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** The highest peak RSS over the measured runs. */
  peakRssBytes: number;
  runs: Measurement[];
  /** Speed relative to the SDK and to the limit in this run (their seconds ÷ this row's). */
  vsSdk?: number;
  vsLimit?: number;
  /** Set instead of measurements when the scenario could not run. */
  notRun?: string;
  /** Scenario-specific figures (e.g. mints/s), shown in the targets column. */
  note?: string;
  details?: Record<string, number>;
}

export interface TargetCheck {
  profile: ProfileId;
  scenario: string;
  /** What is checked, e.g. "≥ 0.8× the limit". */
  target: string;
  /** What was measured, e.g. "0.93×". */
  actual: string;
  met: boolean | undefined;
}

export interface Scenario {
  id: string;
  title(sizes: Sizes): string;
  contenders: ContenderId[];
  /** Seeds the emulator and writes local fixtures; runs once per profile, before any contender. */
  prepare?(ctx: BenchContext): Promise<void>;
  /** The worker arguments of one run (beyond `base` and `scenario`); may create upload sessions. */
  args?(ctx: BenchContext, contender: ContenderId, run: RunKind): Promise<Record<string, unknown>>;
  /** Replaces the contender loop for scenarios that are not Graph transfers (token mint). */
  runCustom?(ctx: BenchContext, options: BenchOptions): Promise<Row[]>;
  targets(rows: Row[], profile: Profile, sizes: Sizes): Omit<TargetCheck, "profile" | "scenario">[];
}

export interface BenchOptions {
  profiles: ProfileId[];
  scenarios: Scenario[];
  sizes: Sizes;
  /** Measured runs per contender (median reported); at least 3 for published numbers. */
  rounds: number;
  warmup: boolean;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface BenchResult {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  /**
   * The 1-minute load average when the run began and ended: anything else running on the machine
   * (a test suite, another benchmark) slows every contender, and ratios less than absolute figures.
   */
  loadAverage: { before: number; after: number };
  sizes: Sizes;
  rounds: number;
  profiles: Profile[];
  rows: Row[];
  targets: TargetCheck[];
}

export async function runBench(options: BenchOptions, tmp: string): Promise<BenchResult> {
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const log =
    options.log ??
    ((line: string) =>
      process.stderr.write(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`));
  const rows: Row[] = [];
  const targets: TargetCheck[] = [];
  for (const profileId of options.profiles) {
    const profile = PROFILES[profileId];
    const emu = await startEmulatorProcess(
      ["--latency-ms", String(profile.latencyMs), "--bandwidth", String(profile.bandwidth)],
      { tls: true },
    );
    try {
      // The admin client and set-up calls in this process go to the same TLS emulator.
      if (emu.ca) trustCertificate(emu.ca);
      const { accessToken } = await emu.admin.token("personal");
      const ctx: BenchContext = {
        emu,
        profile,
        sizes: options.sizes,
        tmp,
        base: {
          scenario: "",
          graphUrl: emu.graphUrl,
          token: accessToken,
          ...(emu.ca ? { ca: emu.ca } : {}),
          ...(emu.caFile ? { caFile: emu.caFile } : {}),
        },
        graph: (method, path, body) => graphCall(emu.graphUrl, accessToken, method, path, body),
      };
      for (const scenario of options.scenarios) {
        const title = scenario.title(options.sizes);
        log(`[${profile.label}] ${title}: preparing`);
        await scenario.prepare?.(ctx);
        const scenarioRows = scenario.runCustom
          ? await scenario.runCustom(ctx, options)
          : await runContenders(ctx, scenario, options, log);
        relate(scenarioRows);
        rows.push(...scenarioRows);
        for (const t of scenario.targets(scenarioRows, profile, options.sizes))
          targets.push({ profile: profileId, scenario: scenario.id, ...t });
      }
    } finally {
      await emu.stop();
    }
  }
  removeBundles();
  return {
    date: new Date().toISOString(),
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    sizes: options.sizes,
    rounds: options.rounds,
    profiles: options.profiles.map((p) => PROFILES[p]),
    rows,
    targets,
  };
}

async function runContenders(
  ctx: BenchContext,
  scenario: Scenario,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const contender of scenario.contenders) {
    const run = async (kind: RunKind): Promise<Measurement> => {
      const extra = (await scenario.args?.(ctx, contender, kind)) ?? {};
      await ctx.emu.admin.resetCounters();
      const result = await runWorker(CONTENDERS[contender].worker, {
        ...ctx.base,
        ...extra,
        scenario: scenario.id,
      });
      const counters = await ctx.emu.admin.counters();
      return {
        ...result,
        // The admin API's own calls (counter reads) are the harness's, not the contender's.
        requests: counters.requests
          .filter((r) => !r.route.includes("/_emulator"))
          .reduce((n, r) => n + r.count, 0),
        bytesIn: counters.bytesIn,
        bytesOut: counters.bytesOut,
      };
    };
    const runs: Measurement[] = [];
    try {
      if (options.warmup) await run({ warmup: true, index: -1 });
      for (let i = 0; i < options.rounds; i++) runs.push(await run({ warmup: false, index: i }));
    } catch (error) {
      // A contender that fails is a result too: its row says so, and the run goes on.
      const message = (error as Error).message;
      log(
        `[${ctx.profile.label}] ${scenario.title(options.sizes)} · ${CONTENDERS[contender].label}: FAILED: ${message}`,
      );
      rows.push({
        ...summarize(ctx.profile.id, scenario, options.sizes, contender, []),
        notRun: `failed: ${message}`,
      });
      continue;
    }
    const row = summarize(ctx.profile.id, scenario, options.sizes, contender, runs);
    log(
      `[${ctx.profile.label}] ${row.scenarioTitle} · ${CONTENDERS[contender].label}: ${row.seconds.toFixed(3)} s` +
        `${row.mbps !== undefined ? `, ${row.mbps.toFixed(1)} MB/s` : ""}, ${row.requests} requests, ` +
        `peak RSS ${(row.peakRssBytes / 1e6).toFixed(0)} MB`,
    );
    rows.push(row);
  }
  return rows;
}

function summarize(
  profile: ProfileId,
  scenario: Scenario,
  sizes: Sizes,
  contender: ContenderId,
  runs: Measurement[],
): Row {
  const seconds = median(runs.map((r) => r.seconds));
  const withBytes = runs.length > 0 && runs.every((r) => typeof r.bytes === "number" && r.bytes > 0);
  return {
    profile,
    scenario: scenario.id,
    scenarioTitle: scenario.title(sizes),
    contender,
    seconds,
    ...(withBytes ? { mbps: median(runs.map((r) => (r.bytes ?? 0) / r.seconds / 1e6)) } : {}),
    requests: median(runs.map((r) => r.requests)),
    bytesIn: median(runs.map((r) => r.bytesIn)),
    bytesOut: median(runs.map((r) => r.bytesOut)),
    peakRssBytes: Math.max(0, ...runs.map((r) => r.peakRssBytes)),
    runs,
  };
}

/** Fills in each row's speed relative to the SDK and the limit of the same scenario and profile. */
function relate(rows: Row[]): void {
  const sdk = rows.find((r) => r.contender === "sdk" && !r.notRun);
  const limit = rows.find((r) => r.contender === "limit" && !r.notRun);
  for (const row of rows) {
    if (row.notRun) continue;
    if (sdk) row.vsSdk = sdk.seconds / row.seconds;
    if (limit) row.vsLimit = limit.seconds / row.seconds;
  }
}

/** The row of a contender, if it ran. */
export function rowOf(rows: Row[], contender: Row["contender"]): Row | undefined {
  return rows.find((r) => r.contender === contender && !r.notRun);
}

/** A target check comparing two measured numbers; `undefined` rows make it "not measured". */
export function check(
  target: string,
  value: number | undefined,
  ok: (v: number) => boolean,
  show: (v: number) => string,
) {
  return value === undefined || Number.isNaN(value)
    ? { target, actual: "not measured", met: undefined }
    : { target, actual: show(value), met: ok(value) };
}

export const times = (v: number) => `${v.toFixed(2)}×`;
export const megabytes = (v: number) => `${(v / 1e6).toFixed(0)} MB`;

async function graphCall<T>(
  graphUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const url = /^https?:/.test(path) ? path : `${graphUrl}/${path.replace(/^\/+/, "")}`;
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // Set-up failures name the method and status only: URLs may be pre-authenticated.
  if (!response.ok) throw new Error(`benchmark set-up: ${method} answered ${response.status}`);
  return (await response.json()) as T;
}

function machine(): BenchResult["machine"] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
