// Issue 14, findings 2, 3 and 5 at the HTTP layer: slow clients are cut off, connections are capped, X-Forwarded-For
// is believed only from configured proxies, and /metrics can require a token.
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { type BrokerConfig, parseTrustProxy, type RunningBroker, Secret, startBroker } from "../src/index.ts";
import { createTestUser, useBroker, useEmulator } from "./support/brokerHarness.ts";

const emulator = useEmulator();

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.on("error", reject);
  });
}

/** Resolves with what the server sent and when it closed the socket, in ms after `since`. */
function closed(socket: Socket, since: number): Promise<{ afterMs: number; received: string }> {
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk.toString();
  });
  return new Promise((resolve) =>
    socket.on("close", () => resolve({ afterMs: Date.now() - since, received })),
  );
}

describe("slow clients and the connection cap", () => {
  const b = useBroker("sqlite", emulator, {
    connectionLimits: { requestTimeoutMs: 1_500, checkIntervalMs: 250, maxConnections: 8 },
  });

  it("a slow body is cut off by the request timeout, within a bounded time", async () => {
    // With a valid key, so the broker goes on to read the body (without one it answers 401 before reading it).
    const ada = await createTestUser(b, "ada");
    const socket = await open(b.broker.url);
    const started = Date.now();
    const result = closed(socket, started);
    socket.write(
      `POST /api/v1/integrations/onedrive/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ada.key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
    );
    // One byte every 200 ms: never idle long enough for an idle timeout, far too slow to finish.
    const drip = setInterval(() => socket.write(" "), 200);
    try {
      const { afterMs, received } = await result;
      expect(received).toMatch(/^HTTP\/1\.1 408/);
      // Not before the 1.5 s request timeout (a lower bound load cannot break); that the server cuts it at
      // all is the event awaited above, which a broker without the timeout would never produce.
      expect(afterMs).toBeGreaterThanOrEqual(1_400);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });

  it("headers sent slowly are cut off too", async () => {
    const socket = await open(b.broker.url);
    const started = Date.now();
    const result = closed(socket, started);
    socket.write("GET /healthz HTTP/1.1\r\n");
    const drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 200);
    try {
      // The server closed it (the awaited event), though the client kept sending header lines.
      const { afterMs } = await result;
      expect(afterMs).toBeGreaterThanOrEqual(1_400);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });

  it("connections past the cap are closed at once, and the broker serves again when they go", async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => open(b.broker.url)));
    try {
      const extra = await open(b.broker.url);
      // Closed with nothing sent while the 8 held connections are all still open: at once, not after a timeout
      // (the held ones would have to go first, and they stay until the finally below).
      const { received } = await closed(extra, Date.now());
      expect(received).toBe("");
    } finally {
      for (const socket of held) socket.destroy();
    }
    await expect
      .poll(async () => (await fetch(`${b.broker.url}/healthz`)).status, { timeout: 5_000 })
      .toBe(200);
  });
});

describe("trusting a proxy's X-Forwarded-For", () => {
  it("reads FERRY_TRUST_PROXY as a hop count or proxy addresses, and refuses anything else", () => {
    expect(parseTrustProxy(undefined)).toBeUndefined();
    expect(parseTrustProxy("1")).toEqual({ hops: 1 });
    expect(parseTrustProxy("10.0.0.5, 10.0.1.0/24 ::1 loopback")).toEqual({
      addresses: ["10.0.0.5", "10.0.1.0/24", "::1", "loopback"],
    });
    for (const bad of ["true", "0", "11", "10.0.0.256", "10.0.0.0/33", "proxy.example", "10.0.0.1/8/8"]) {
      expect(() => parseTrustProxy(bad), bad).toThrow(/FERRY_TRUST_PROXY/);
    }
  });

  const b = useBroker("sqlite", emulator);

  async function withBroker(
    patch: Partial<BrokerConfig>,
    run: (broker: RunningBroker) => Promise<void>,
  ): Promise<void> {
    const broker = await startBroker(
      { ...b.config, ...patch },
      {
        port: 0,
        logger: { level: "silent" },
        rateLimit: { burst: 3, refillPerSecond: 0.01 },
        purgeIntervalMs: 0,
      },
    );
    try {
      await run(broker);
    } finally {
      await broker.close();
    }
  }

  /** Ten bad keys from `remoteAddress`, each with another X-Forwarded-For: how many were limited (429). */
  async function limitedOf(broker: RunningBroker, remoteAddress: string): Promise<number> {
    let limited = 0;
    for (let i = 0; i < 10; i++) {
      const res = await broker.app.inject({
        method: "GET",
        url: "/api/v1/me",
        remoteAddress,
        headers: { authorization: "Bearer nope", "x-forwarded-for": `198.51.100.${i}` },
      });
      if (res.statusCode === 429) limited++;
    }
    return limited;
  }

  it("a listed proxy's X-Forwarded-For names the client; from any other peer it is ignored", async () => {
    await withBroker({ trustProxy: { addresses: ["10.0.0.5"] } }, async (broker) => {
      // Each forwarded client has its own count: none reached three failures.
      expect(await limitedOf(broker, "10.0.0.5")).toBe(0);
      // A client that connects directly and writes its own header is counted by its socket address.
      expect(await limitedOf(broker, "203.0.113.7")).toBe(7);
    });
  });

  it("a hop count believes only a proxy on a loopback or private address", async () => {
    await withBroker({ trustProxy: { hops: 1 } }, async (broker) => {
      expect(await limitedOf(broker, "127.0.0.1")).toBe(0);
      expect(await limitedOf(broker, "203.0.113.8")).toBe(7);
    });
  });

  it("without FERRY_TRUST_PROXY, X-Forwarded-For is never believed", async () => {
    await withBroker({ trustProxy: undefined }, async (broker) => {
      expect(await limitedOf(broker, "127.0.0.1")).toBe(7);
    });
  });

  it("the library's old trustProxy: true is refused with what to set instead", async () => {
    await expect(startBroker(b.config, { port: 0, trustProxy: true } as never)).rejects.toThrow(
      /config.trustProxy \(FERRY_TRUST_PROXY\)/,
    );
  });
});

describe("the metrics token", () => {
  const b = useBroker("sqlite", emulator);

  it("with FERRY_METRICS_TOKEN set, /metrics needs it as a bearer token; without, /metrics is open", async () => {
    const scrape = (url: string, authorization?: string) =>
      fetch(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
    expect((await scrape(b.broker.url)).status).toBe(200);
    const broker = await startBroker(
      { ...b.config, metricsToken: new Secret("m3trics-scrape-t0ken") },
      { port: 0, logger: { level: "silent" }, purgeIntervalMs: 0 },
    );
    try {
      for (const authorization of [
        undefined,
        "Bearer wrong",
        "m3trics-scrape-t0ken",
        "Bearer m3trics-scrape-t0ke",
      ]) {
        const res = await scrape(broker.url, authorization);
        expect(res.status, String(authorization)).toBe(401);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
          "FERRY_METRICS_TOKEN",
        );
      }
      const ok = await scrape(broker.url, "Bearer m3trics-scrape-t0ken");
      expect(ok.status).toBe(200);
      const text = await ok.text();
      expect(text).toContain("ferry_broker_auth_failures_total");
      expect(text).not.toContain("m3trics-scrape-t0ken");
      // Other routes are not affected by the metrics token.
      const ada = await createTestUser(b, "ada");
      expect((await fetch(`${broker.url}/api/v1/me`, { headers: ada.bearer })).status).toBe(200);
    } finally {
      await broker.close();
    }
  });
});
