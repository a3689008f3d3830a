// Cancelling a transfer with an AbortSignal through @ferry/fs (`put` and `get`): the promise rejects with the abort,
// the upload session is deleted, no partial local file is left, and nothing but the session's DELETE is sent once
// the signal has fired. Requests are observed through the client's `fetch` option (a pass-through that records,
// not a stand-in for Microsoft) and counted at the emulator.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningEmulator, startEmulator } from "@ferry/emulator";
import { NotFoundError, OneDriveClient } from "@ferry/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorTokenSource } from "../../graph/test/support.ts";
import { OneDriveFileSystem } from "../src/index.ts";

const MiB = 1024 * 1024;

let emu: RunningEmulator;
let tmp: string;
beforeAll(async () => {
  emu = await startEmulator();
  tmp = await mkdtemp(join(tmpdir(), "ferry-fs-cancel-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await emu.close();
});

/**
 * A filesystem whose client records every request with whether the signal had fired when it was sent, and fires
 * the signal once the first request matching `cancelAfter` has been answered.
 */
function observedFs(abort: AbortController, cancelAfter: (url: string, method: string) => boolean) {
  const sent: { url: string; method: string; afterAbort: boolean }[] = [];
  const client = new OneDriveClient({
    baseUrl: emu.graphUrl,
    retry: { baseDelayMs: 10, maxDelayMs: 200 },
    token: emulatorTokenSource(emu, "personal", { calls: 0, forced: 0, minted: 0 }),
    fetch: async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const method = init?.method ?? "GET";
      sent.push({ url, method, afterAbort: abort.signal.aborted });
      const response = await fetch(input, init);
      if (cancelAfter(url, method)) abort.abort();
      return response;
    },
  });
  return { fs: new OneDriveFileSystem(client), client, sent };
}

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe("cancelling fs.put", () => {
  it("rejects with the abort, deletes the upload session, leaves no file and sends nothing else", async () => {
    const size = 40 * MiB; // four of the client's 10 MiB fragments
    const local = join(tmp, "up.bin");
    await writeFile(local, pattern(size, 3));
    const abort = new AbortController();
    const { fs, client, sent } = observedFs(abort, (url, method) => method === "PUT" && url.includes("/up/"));
    await expect(fs.put(local, "cancel/up.bin", { signal: abort.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    const fragments = sent.filter((r) => r.method === "PUT" && r.url.includes("/up/"));
    expect(fragments).toHaveLength(1);
    expect(sent.filter((r) => r.afterAbort).map((r) => r.method)).toEqual(["DELETE"]);
    const session = fragments[0]?.url ?? "";
    expect((await fetch(session)).status).toBe(404);
    await expect(client.stat("cancel/up.bin")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("cancelling fs.get", () => {
  it("rejects with the abort, leaves no local file or partial file, and sends nothing after it", async () => {
    const size = 32 * MiB;
    const abort = new AbortController();
    const { fs, client, sent } = observedFs(abort, (url) => url.includes("/dl/"));
    await client.upload("cancel/down.bin", pattern(size, 4));
    const dir = await mkdtemp(join(tmp, "down-"));
    await expect(
      fs.get("cancel/down.bin", join(dir, "down.bin"), { signal: abort.signal }),
    ).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(sent.filter((r) => r.afterAbort)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a recursive get stops starting files once the signal fires", async () => {
    const abort = new AbortController();
    const { fs, client, sent } = observedFs(abort, (url) => url.includes("/dl/"));
    for (let i = 0; i < 12; i++) await client.upload(`cancel/tree/f${i}.bin`, pattern(64 * 1024, i));
    const dir = await mkdtemp(join(tmp, "tree-"));
    await expect(fs.get("cancel/tree", dir, { recursive: true, signal: abort.signal })).rejects.toMatchObject(
      {
        name: "AbortError",
      },
    );
    expect(sent.filter((r) => r.afterAbort)).toEqual([]);
    // The client runs at most `concurrency` (4) downloads at once: the rest were never started.
    expect(sent.filter((r) => r.url.includes("/dl/")).length).toBeLessThanOrEqual(4);
    expect((await readdir(dir)).filter((f) => f.endsWith(".ferry-partial"))).toEqual([]);
  });
});
