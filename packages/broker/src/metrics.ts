import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * The broker's Prometheus metrics, on a registry of its own per broker instance: several brokers in one process
 * (tests, benchmarks) would otherwise clash on prom-client's global registry. Labels are bounded sets (results,
 * reasons), never user ids, account names or anything secret.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  readonly mints = new Counter({
    name: "ferry_broker_mints_total",
    help: "Token mint requests, by result (ok, not_connected, needs_reconnect, unavailable, error).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: "ferry_broker_mint_cache_hits_total",
    help: "Mints answered from a still-valid stored or cached access token, without calling Microsoft.",
    registers: [this.registry],
  });
  readonly refreshes = new Counter({
    name: "ferry_broker_refreshes_total",
    help: "Successful refresh-token redemptions at Microsoft, by trigger (mint, keepalive).",
    labelNames: ["trigger"] as const,
    registers: [this.registry],
  });
  readonly refreshFailures = new Counter({
    name: "ferry_broker_refresh_failures_total",
    help: "Failed refresh attempts, by reason (invalid_grant, network, timeout, http_503, …).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly mintDuration = new Histogram({
    name: "ferry_broker_mint_duration_seconds",
    help: "Time to answer a mint, by source (cache, refresh).",
    labelNames: ["source"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly refreshDuration = new Histogram({
    name: "ferry_broker_refresh_duration_seconds",
    help: "Time of one refresh at Microsoft's token endpoint, retries included.",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: "ferry_broker_auth_failures_total",
    help: "Requests refused for a missing or wrong API key, session or login link, by kind.",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "ferry_broker_rate_limited_total",
    help: "Requests refused with 429 because their address failed to authenticate too often.",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "ferry_broker_" });
  }
}
