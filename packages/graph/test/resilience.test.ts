import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countRequests } from "@ferry/emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  FerryError,
  GraphError,
  OneDriveClient,
  quickXorHash,
  type RetryEvent,
  UploadSessionGoneError,
} from "../src/index.ts";
import { bytes, expectSameBytes, type Harness, harness } from "./support.ts";

const MiB = 1024 * 1024;
/** Graph's item-by-path routes, and `GET /v1.0/*`, the pattern a fault injected before routing is counted under. */
const GRAPH_ITEM_BY_PATH = /\{path\}|\/v1\.0\/\*/;

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.emu.admin.clearFaults();
});
afterAll(() => h.close());

describe("expired download URLs", () => {
  it("renews the pre-authenticated URL once it expires and keeps reading", async () => {
    const od = h.client("personal");
    const data = bytes(2 * MiB, 21);
    await od.upload("expiry/a.bin", data);
    const link = await od.openLink("expiry/a.bin");
    expect(await link.fetch(0, 1000)).toEqual(data.subarray(0, 1000));
    // Past the URL's hour (and the access token's): the file host refuses the old URL.
    await h.emu.admin.advanceClock(3700);
    expect(await link.fetch(MiB, MiB + 1000)).toEqual(data.subarray(MiB, MiB + 1000));
    expect(link.refreshes).toBe(1);
  });

  it("refuses to mix versions when the file changed before the URL was renewed", async () => {
    const od = h.client("personal");
    await od.upload("expiry/b.bin", bytes(MiB, 1));
    const link = await od.openLink("expiry/b.bin");
    await od.upload("expiry/b.bin", bytes(MiB, 2));
    await h.emu.admin.advanceClock(3700);
    await expect(link.fetch(0, 10)).rejects.toThrow(/changed on OneDrive/);
  });
});

describe("upload sessions that end mid-upload", () => {
  afterEach(async () => {
    await h.emu.admin.settings({ uploadSessionLifetime: 7 * 24 * 3600 });
  });

  /** Expires the session from the first progress report on: Graph drops sessions that sit idle. */
  function expireAfterFirstFragment(): { onProgress: () => void; expired: () => Promise<unknown> } {
    let expiring: Promise<unknown> | undefined;
    return {
      onProgress: () => {
        expiring ??= h.emu.admin.advanceClock(120);
      },
      expired: () => expiring ?? Promise.resolve(),
    };
  }

  it("starts over in a new session when a local file's session expires, and the file arrives whole", async () => {
    const od = h.client("personal");
    const data = bytes(12 * MiB + 5, 41);
    const dir = await mkdtemp(join(tmpdir(), "ferry-expire-"));
    const file = join(dir, "e.bin");
    await writeFile(file, data);
    await h.emu.admin.settings({ uploadSessionLifetime: 60 });
    const expiry = expireAfterFirstFragment();
    try {
      const item = await od.upload("expire/e.bin", file, {
        chunkSize: 1280 * 1024,
        onProgress: expiry.onProgress,
      });
      await expiry.expired();
      expect(item.size).toBe(data.length);
      expectSameBytes(await od.download("expire/e.bin"), data);
      const sessions = await h.emu.admin.requestCount({
        method: "POST",
        route: "createUploadSession",
        status: 200,
      });
      expect(sessions).toBeGreaterThanOrEqual(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("tells the caller to upload again when a one-pass stream's session expires", async () => {
    const od = h.client("personal");
    const data = bytes(6 * MiB, 42);
    async function* once() {
      for (let at = 0; at < data.length; at += MiB) yield data.slice(at, at + MiB);
    }
    await h.emu.admin.settings({ uploadSessionLifetime: 60 });
    const expiry = expireAfterFirstFragment();
    const failure = od.upload("expire/stream.bin", once(), {
      size: data.length,
      chunkSize: 1280 * 1024,
      onProgress: expiry.onProgress,
    });
    await expect(failure).rejects.toBeInstanceOf(UploadSessionGoneError);
    await expect(failure).rejects.toThrow(
      /upload session ended before the upload finished.*upload the file again/,
    );
    await expiry.expired();
  });
});

describe("interrupted downloads", () => {
  it("resumes a download cut mid-body through the transport's retry path, which onRetry hears", async () => {
    const events: RetryEvent[] = [];
    const od = h.client("personal", { onRetry: (event) => events.push(event) });
    const data = bytes(3 * MiB + 5, 41);
    await od.upload("resume/d.bin", data);
    await h.emu.admin.faults({ method: "GET", path: "/dl/", count: 2, kind: "reset", afterBytes: 200_000 });
    const retriesBefore = od.stats.retries;
    expectSameBytes(await od.download("resume/d.bin"), data);
    expect(od.stats.retries - retriesBefore).toBe(2);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.method === "GET" && e.path === "resume/d.bin")).toBe(true);
  });
});

describe("resumable uploads", () => {
  it("resumes a session upload after the connection is reset in the middle of a fragment", async () => {
    const od = h.client("personal");
    const data = bytes(5 * MiB + 11, 31);
    await h.emu.admin.faults({ method: "PUT", path: "/up/", count: 2, kind: "reset", afterBytes: 100_000 });
    const before = await h.emu.admin.counters();
    const item = await od.upload("resume/r.bin", data, { chunkSize: 2 * MiB });
    expect(item.file?.hashes?.quickXorHash).toBe(quickXorHash(data));
    const after = await h.emu.admin.counters();
    expect((after.faults.scripted ?? 0) - (before.faults.scripted ?? 0)).toBe(2);
    expectSameBytes(await od.download("resume/r.bin"), data);
  });

  it("waits longer each time the session refuses a fragment without moving, then finishes", async () => {
    // Three 416s in a row on the same fragment: what a session says while it is still taking in a
    // request whose connection dropped. Resent at once, the fragment is refused again and again;
    // the client waits 200 ms, then 400 ms, before the second and third resends.
    const od = h.client("personal");
    const data = bytes(5 * MiB + 7, 43);
    await h.emu.admin.faults({ method: "PUT", path: "/up/", count: 3, status: 416, code: "invalidRange" });
    const before = await h.emu.admin.counters();
    const started = performance.now();
    const item = await od.upload("stall/s.bin", data, { chunkSize: 2 * MiB });
    const waited = performance.now() - started;
    expect(item.file?.hashes?.quickXorHash).toBe(quickXorHash(data));
    const after = await h.emu.admin.counters();
    expect((after.faults.scripted ?? 0) - (before.faults.scripted ?? 0)).toBe(3);
    // A lower bound only: the waits themselves, not how fast anything ran.
    expect(waited).toBeGreaterThanOrEqual(600);
  });

  it("resends a fragment the session asks for again, from a local file, without mixing up buffers", async () => {
    const od = h.client("personal");
    const data = bytes(7 * MiB + 5, 41);
    const dir = await mkdtemp(join(tmpdir(), "ferry-resend-"));
    try {
      await writeFile(join(dir, "f.bin"), data);
      // A 416 on the second fragment: the client asks the session where to resume and sends the
      // same fragment again, while the next one is already read ahead into the other buffer.
      await h.emu.admin.faults({ method: "PUT", path: "/up/", count: 1, status: 416, code: "invalidRange" });
      const item = await od.upload("resend/f.bin", join(dir, "f.bin"), { chunkSize: 2 * MiB });
      expect(item.file?.hashes?.quickXorHash).toBe(quickXorHash(data));
      expectSameBytes(await od.download("resend/f.bin"), data);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("cancels the upload session when the upload fails for good", async () => {
    const od = h.client("work");
    const before = await h.emu.admin.counters();
    // The commit fails with 507: the drive has room for the fragments but not for the file.
    await h.emu.admin.setQuota("work", 1024);
    try {
      await expect(od.upload("full/too-big.bin", bytes(5 * MiB))).rejects.toThrow(GraphError);
    } finally {
      await h.emu.admin.setQuota("work", 1024 ** 4);
    }
    const after = await h.emu.admin.counters();
    const deletes = (c: typeof after) => countRequests(c.requests, { method: "DELETE", route: "/up/" });
    expect(deletes(after) - deletes(before)).toBe(1);
  });

  it("sends upload fragments without an Authorization header", async () => {
    const od = h.client("personal");
    const before = await h.emu.admin.counters();
    await od.upload("noauth/x.bin", bytes(6 * MiB), { chunkSize: MiB });
    await od.download("noauth/x.bin");
    const after = await h.emu.admin.counters();
    expect(after.authOnPreauthenticatedUrl).toBe(before.authOnPreauthenticatedUrl);
  });
});

describe("throttling", () => {
  it("pauses every request of the client while Graph throttles, not just the one refused", async () => {
    const od = h.client("personal");
    await od.upload("pace/x.txt", new TextEncoder().encode("x"));
    // A fault injected before routing is counted under the framework's pattern, `GET /v1.0/*`.
    const graphCalls = (c: Awaited<ReturnType<typeof h.emu.admin.counters>>) =>
      countRequests(c.requests, { method: "GET", route: GRAPH_ITEM_BY_PATH });
    // A Retry-After no test waits out: while it runs, the pause is certainly on, whatever the load.
    await h.emu.admin.faults({ path: "/v1.0/me/drive/root:/pace", count: 1, status: 429, retryAfter: 600 });
    const before = await h.emu.admin.counters();
    const abort = new AbortController();
    // A Retry-After past the retry budget is handed to the caller at once; the pause stays for the rest.
    const first = od.stat("pace/x.txt", { signal: abort.signal }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    // The event that starts the pause: the first request's 429 has reached the client.
    await vi.waitFor(() => expect(od.stats.throttles).toBe(1), { timeout: 60_000, interval: 10 });
    // 20 more calls while the client is paused by the first one's 429.
    const others = Array.from({ length: 20 }, () => od.stat("pace/x.txt", { signal: abort.signal }));
    // Let every call run as far as it can (to the pacer) before looking: macrotask turns, not a timer.
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(graphCalls(await h.emu.admin.counters()) - graphCalls(before)).toBe(1);
    abort.abort();
    expect(await first).toBe("ThrottledError");
    const settled = await Promise.allSettled(others);
    expect(settled.every((r) => r.status === "rejected")).toBe(true);
    // Aborted while paused: still nothing but the refused request has reached the service.
    expect(graphCalls(await h.emu.admin.counters()) - graphCalls(before)).toBe(1);
    expect(od.stats.throttles).toBe(1);
  });

  it("sends every paused request once the pause is over: the refused one again and all that waited", async () => {
    const od = h.client("personal");
    await od.upload("pace/y.txt", new TextEncoder().encode("y"));
    const graphCalls = (c: Awaited<ReturnType<typeof h.emu.admin.counters>>) =>
      countRequests(c.requests, { method: "GET", route: GRAPH_ITEM_BY_PATH });
    await h.emu.admin.faults({ path: "/v1.0/me/drive/root:/pace", count: 1, status: 429, retryAfter: 0.2 });
    const before = await h.emu.admin.counters();
    const first = od.stat("pace/y.txt");
    await vi.waitFor(() => expect(od.stats.throttles).toBe(1), { timeout: 60_000, interval: 10 });
    const others = Promise.all(Array.from({ length: 20 }, () => od.stat("pace/y.txt")));
    await Promise.all([first, others]);
    expect(graphCalls(await h.emu.admin.counters()) - graphCalls(before)).toBe(22);
    expect(od.stats.throttles).toBe(1);
  });
});

describe("creating folders through server errors", () => {
  it("retries a folder create that Graph answered with 500, and mkdir -p still succeeds", async () => {
    const od = h.client("personal");
    await h.emu.admin.faults({ method: "POST", path: "/children", count: 2, status: 500 });
    const made = await od.mkdir("mk500/a/b", { parents: true });
    expect(made.folder).toBeDefined();
    expect((await od.stat("mk500/a/b")).folder).toBeDefined();
    expect(od.stats.retries).toBe(2);
  });

  it("does not repeat a create with conflict `rename`, which could make a second folder", async () => {
    const od = h.client("personal");
    await h.emu.admin.faults({ method: "POST", path: "/children", count: 1, status: 500 });
    await expect(od.mkdir("mk500-rename", { conflict: "rename" })).rejects.toThrow(/HTTP 500/);
    expect(od.stats.retries).toBe(0);
  });
});

describe("a host that does not answer", () => {
  it("is reported once the retries are spent as network_error, naming the host and the socket's code", async () => {
    // A port that was just free: connections to it are refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const od = new OneDriveClient({
      token: async () => "not-a-token",
      baseUrl: `http://127.0.0.1:${port}/v1.0`,
      retry: { maxAttempts: 2, baseDelayMs: 1, random: () => 0 },
    });
    const error = await od.stat("anything.txt").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe("network_error");
    expect((error as FerryError).message).toContain(`http://127.0.0.1:${port}`);
    expect((error as FerryError).message).toContain("ECONNREFUSED");
    expect((error as FerryError).message).toContain("FERRY_GRAPH_URL");
    expect(od.stats.retries).toBe(1);
  });

  it("names the file host, not FERRY_GRAPH_URL, when a download URL gets no answer", async () => {
    // Its own emulator, closed once the link is in hand: the pre-authenticated URL then points at
    // a host that refuses connections, as a file host that went away would.
    const gone = await harness();
    await gone.emu.admin.seed({ account: "personal", files: [{ path: "gone.bin", size: 1000 }] });
    const od = gone.client("personal", { retry: { maxAttempts: 2, baseDelayMs: 1, random: () => 0 } });
    const link = await od.openLink("gone.bin");
    await gone.close();
    const error = await link.fetch(0, 10).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe("network_error");
    expect((error as FerryError).message).toContain(new URL(gone.emu.graphUrl).origin);
    expect((error as FerryError).message).toContain("file host");
    expect((error as FerryError).message).toContain("gone.bin");
    expect((error as FerryError).message).not.toContain("FERRY_GRAPH_URL");
  });
});
