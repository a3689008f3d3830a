// How a large download spreads over connections (one stream, or parallel parts after the first
// connection's probe), and the undici body path every download now reads through when the client
// has no `fetch` of its own: cancelling, redirects, and the connection left usable.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { quickXorHash } from "../src/index.ts";
import { bytes, expectSameBytes, type Harness, harness } from "./support.ts";

const MiB = 1024 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.emu.admin.clearFaults();
  await h.emu.admin.settings({ bandwidth: 0, latencyMs: 0 });
});
afterAll(() => h.close());

async function dlRequests(run: () => Promise<unknown>): Promise<number> {
  await h.emu.admin.resetCounters();
  await run();
  return h.emu.admin.requestCount({ route: "/dl/" });
}

describe("connections per download", () => {
  it("keeps a large download on one connection when one is judged enough (singleStreamRate 0)", async () => {
    const od = h.client("personal");
    const data = bytes(20 * MiB + 3, 51);
    await od.upload("strategy/one.bin", data);
    let got: Uint8Array = new Uint8Array(0);
    const requests = await dlRequests(async () => {
      got = await od.download("strategy/one.bin", { singleStreamRate: 0 });
    });
    expectSameBytes(got, data);
    expect(requests).toBe(1);
  });

  it("adds parallel parts when the first connection is capped below singleStreamRate, bytes in order", async () => {
    const od = h.client("personal");
    // Large enough that more than the parallel threshold (16 MiB) is left after the probe.
    const data = bytes(26 * MiB + 11, 52);
    const item = await od.upload("strategy/capped.bin", data);
    // 5 MB/s per connection: far under the default 80 MB/s, and slow enough that the client's event
    // loop mostly waits for bytes (the probe's second condition), however loaded the machine.
    await h.emu.admin.settings({ bandwidth: 5_000_000 });
    const seen: number[] = [];
    let got: Uint8Array = new Uint8Array(0);
    const requests = await dlRequests(async () => {
      got = await od.download("strategy/capped.bin", { onProgress: (done) => seen.push(done) });
    });
    expectSameBytes(got, data);
    expect(quickXorHash(got)).toBe(item.file?.hashes?.quickXorHash);
    // The first connection, then the rest of the file in 2 MiB parts over more connections.
    expect(requests).toBeGreaterThan(2);
    expect(seen.every((n, i) => i === 0 || n > (seen[i - 1] as number))).toBe(true);
    expect(seen.at(-1)).toBe(data.length);
  });

  it("always splits with singleStreamRate Infinity, and resumes a part cut mid-body", async () => {
    const od = h.client("personal");
    const data = bytes(18 * MiB + 1, 53);
    await od.upload("strategy/split.bin", data);
    await h.emu.admin.faults({ method: "GET", path: "/dl/", count: 2, kind: "reset", afterBytes: 300_000 });
    let got: Uint8Array = new Uint8Array(0);
    const retriesBefore = od.stats.retries;
    const requests = await dlRequests(async () => {
      got = await od.download("strategy/split.bin", { singleStreamRate: Number.POSITIVE_INFINITY });
    });
    expectSameBytes(got, data);
    // 18 MiB in 2 MiB parts: the first connection's part and 8 more.
    expect(requests).toBeGreaterThanOrEqual(9);
    expect(od.stats.retries - retriesBefore).toBe(2);
  });
});

describe("downloadTo: parts written in place", () => {
  it("writes parallel parts where they belong as they arrive, and the file checks against the hash", async () => {
    const od = h.client("personal");
    const data = bytes(26 * MiB + 7, 56);
    await od.upload("strategy/to-file.bin", data);
    await h.emu.admin.settings({ bandwidth: 5_000_000 });
    const dir = await mkdtemp(join(tmpdir(), "ferry-dlto-"));
    try {
      let last = 0;
      const requests = await dlRequests(() =>
        od.downloadTo("strategy/to-file.bin", join(dir, "f.bin"), {
          onProgress: (done, total) => {
            expect(done).toBeGreaterThan(last);
            expect(total).toBe(data.length);
            last = done;
          },
        }),
      );
      expect(requests).toBeGreaterThan(2);
      expect(last).toBe(data.length);
      expectSameBytes(new Uint8Array(await readFile(join(dir, "f.bin"))), data);
      expect(await readdir(dir)).toEqual(["f.bin"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("resumes parts cut mid-body in place, and a corrupted part fails the hash and leaves no file", async () => {
    const od = h.client("personal");
    const data = bytes(18 * MiB + 5, 57);
    await od.upload("strategy/to-file-2.bin", data);
    const dir = await mkdtemp(join(tmpdir(), "ferry-dlto-"));
    try {
      const split = { singleStreamRate: Number.POSITIVE_INFINITY };
      await h.emu.admin.faults({ method: "GET", path: "/dl/", count: 3, kind: "reset", afterBytes: 500_000 });
      const retriesBefore = od.stats.retries;
      await od.downloadTo("strategy/to-file-2.bin", join(dir, "ok.bin"), split);
      expect(od.stats.retries - retriesBefore).toBe(3);
      expectSameBytes(new Uint8Array(await readFile(join(dir, "ok.bin"))), data);

      await h.emu.admin.clearFaults();
      await h.emu.admin.faults({ route: "/dl/", kind: "corrupt", afterBytes: 1000, durationSeconds: 3600 });
      await expect(
        od.downloadTo("strategy/to-file-2.bin", join(dir, "bad.bin"), split),
      ).rejects.toMatchObject({
        name: "IntegrityError",
      });
      expect(await readdir(dir)).toEqual(["ok.bin"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the undici body path", () => {
  it("rejects with the abort when the signal fires mid-stream, and the client downloads again after", async () => {
    const od = h.client("personal");
    const data = bytes(20 * MiB, 54);
    await od.upload("strategy/abort.bin", data);
    const abort = new AbortController();
    const download = od.download("strategy/abort.bin", {
      signal: abort.signal,
      singleStreamRate: 0,
      onProgress: (done) => {
        if (done >= MiB) abort.abort();
      },
    });
    await expect(download).rejects.toMatchObject({ name: "AbortError" });
    expectSameBytes(await od.download("strategy/abort.bin", { singleStreamRate: 0 }), data);
  });

  it("follows Graph's 302 from /content to the file host and reads the bytes", async () => {
    const od = h.client("personal");
    const data = bytes(300 * 1024, 55);
    await od.upload("strategy/redirect.bin", data);
    const response = await od.core.transport.sendForBody({
      method: "GET",
      url: od.core.actionUrl("strategy/redirect.bin", "content"),
    });
    expect(response.status).toBe(200);
    const parts: Uint8Array[] = [];
    const chunks = response.chunks();
    for (;;) {
      const { done, value } = await chunks.next();
      if (done) break;
      parts.push(value);
    }
    expectSameBytes(Buffer.concat(parts), data);
  });

  it("maps a refused item GET to the same NotFoundError as before", async () => {
    const od = h.client("personal");
    await expect(od.download("strategy/missing.bin")).rejects.toMatchObject({ name: "NotFoundError" });
  });
});
