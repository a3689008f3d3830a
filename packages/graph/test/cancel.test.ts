// Cancelling a transfer with an AbortSignal, upload and download, through OneDriveClient: the promise rejects
// with the abort, no partial file is left (locally or in OneDrive), the upload session is deleted, and nothing
// but that DELETE is sent once the signal has fired. Requests are observed through the client's `fetch` option
// (a pass-through that records, not a stand-in for Microsoft) and counted at the emulator.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, type OneDriveClient } from "../src/index.ts";
import { bytes, type Harness, harness } from "./support.ts";

const MiB = 1024 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(() => h.close());

/** A client whose every request is recorded with whether the signal had fired when it was sent. */
function observedClient(abort: AbortController): {
  od: OneDriveClient;
  sent: { url: string; method: string; afterAbort: boolean }[];
} {
  const sent: { url: string; method: string; afterAbort: boolean }[] = [];
  const od = h.client("personal", {
    fetch: (input, init) => {
      sent.push({
        url: String(input instanceof Request ? input.url : input),
        method: init?.method ?? "GET",
        afterAbort: abort.signal.aborted,
      });
      return fetch(input, init);
    },
  });
  return { od, sent };
}

describe("cancelling an upload", () => {
  it("rejects with the abort, deletes the upload session, leaves no file and sends nothing else", async () => {
    const abort = new AbortController();
    const { od, sent } = observedClient(abort);
    const size = 12 * MiB;
    const upload = od.upload("cancel/up.bin", bytes(size, 3), {
      chunkSize: MiB,
      signal: abort.signal,
      // The event to cancel on: the first fragment has been accepted.
      onProgress: (done) => {
        if (done >= MiB) abort.abort();
      },
    });
    await expect(upload).rejects.toMatchObject({ name: "AbortError" });
    const fragments = sent.filter((r) => r.method === "PUT" && r.url.includes("/up/"));
    expect(fragments.length).toBeGreaterThanOrEqual(1);
    expect(fragments.length).toBeLessThan(size / MiB);
    // After the abort: only the session's DELETE.
    expect(sent.filter((r) => r.afterAbort).map((r) => r.method)).toEqual(["DELETE"]);
    expect(
      await h.emu.admin.requestCount({ method: "DELETE", route: "/up/", status: 204 }),
    ).toBeGreaterThanOrEqual(1);
    const session = sent.find((r) => r.method === "PUT" && r.url.includes("/up/"))?.url ?? "";
    expect((await fetch(session)).status).toBe(404);
    await expect(od.stat("cancel/up.bin")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("cancelling a download", () => {
  it("rejects with the abort, leaves no local file or partial file, and sends nothing after it", async () => {
    const size = 16 * MiB;
    await h.client("personal").upload("cancel/down.bin", bytes(size, 4));
    const abort = new AbortController();
    const { od, sent } = observedClient(abort);
    const dir = await mkdtemp(join(tmpdir(), "ferry-cancel-"));
    try {
      const download = od.downloadTo("cancel/down.bin", join(dir, "down.bin"), {
        partSize: MiB,
        concurrency: 2,
        signal: abort.signal,
        onProgress: (done) => {
          if (done >= MiB) abort.abort();
        },
      });
      await expect(download).rejects.toMatchObject({ name: "AbortError" });
      expect(sent.filter((r) => r.afterAbort)).toEqual([]);
      // Far fewer ranged requests than the whole file would take.
      expect(sent.filter((r) => r.url.includes("/dl/")).length).toBeLessThan(size / MiB);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
