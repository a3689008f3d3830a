import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorProcess, spawnEmulator } from "./emulatorProcess.ts";

const MiB = 1024 * 1024;
const FILE_SIZE = 2 * 1024 * MiB;
/** Graph's recommended fragment size for fast, stable connections (a multiple of 320 KiB). */
const FRAGMENT = 10 * MiB;

/** The peak resident set of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) * 1024;
}

/**
 * The file, generated fragment by fragment so that the test holds one fragment at a time: a
 * random block with the fragment's number stamped in, so no two fragments are alike.
 */
function fragmentAt(block: Buffer<ArrayBuffer>, index: number, length: number): Buffer<ArrayBuffer> {
  block.writeUInt32LE(index, 0);
  return block.subarray(0, length);
}

describe("memory: file bodies are streamed, never held whole", () => {
  let emulator: EmulatorProcess;
  let token: string;

  beforeAll(async () => {
    emulator = await spawnEmulator(["--port", "0"]);
    const res = await fetch(`${emulator.url}/_emulator/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account: "personal" }),
    });
    token = ((await res.json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    emulator.child.kill("SIGTERM");
    await emulator.exited;
  });

  async function upload(
    path: string,
    size: number,
    block: Buffer<ArrayBuffer>,
    sha1: ReturnType<typeof createHash>,
  ) {
    const created = await fetch(`${emulator.url}/v1.0/me/drive/root:/${path}:/createUploadSession`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const { uploadUrl } = (await created.json()) as { uploadUrl: string };
    let last: Response | undefined;
    for (let start = 0, index = 0; start < size; start += FRAGMENT, index++) {
      const fragment = fragmentAt(block, index, Math.min(FRAGMENT, size - start));
      sha1.update(fragment);
      last = await fetch(uploadUrl, {
        method: "PUT",
        headers: { "content-range": `bytes ${start}-${start + fragment.length - 1}/${size}` },
        body: fragment,
      });
      if (start + fragment.length < size) {
        expect(last.status).toBe(202);
        await last.arrayBuffer();
      }
    }
    expect(last?.status).toBe(201);
    return (await last?.json()) as { size: number; file: { hashes: { sha1Hash: string } } } & {
      "@microsoft.graph.downloadUrl": string;
    };
  }

  async function download(url: string): Promise<{ bytes: number; sha1: string }> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const sha1 = createHash("sha1");
    let bytes = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      sha1.update(chunk);
    }
    return { bytes, sha1: sha1.digest("hex").toUpperCase() };
  }

  // 4 GiB cross loopback: on a loaded two-core machine that may take minutes, which is no fault; the
  // memory bound is the assertion, so the timeout is far beyond any plausible transfer time.
  it("uploading then downloading a 2 GiB file grows the emulator's resident memory by less than 100 MB", {
    timeout: 900_000,
  }, async () => {
    const pid = emulator.child.pid ?? 0;
    const block = Buffer.from(randomBytes(FRAGMENT));
    // The idle baseline: started, answering, nothing transferred yet.
    const baseline = peakRss(pid);

    const sent = createHash("sha1");
    const item = await upload("two-gib.bin", FILE_SIZE, block, sent);
    const expected = sent.digest("hex").toUpperCase();
    expect(item.size).toBe(FILE_SIZE);
    expect(item.file.hashes.sha1Hash).toBe(expected);
    const afterUpload = peakRss(pid);

    const received = await download(item["@microsoft.graph.downloadUrl"]);
    expect(received).toEqual({ bytes: FILE_SIZE, sha1: expected });
    const afterDownload = peakRss(pid);

    const growth = Math.max(afterUpload, afterDownload) - baseline;
    expect(growth, `VmHWM ${baseline} → ${afterUpload} (upload) → ${afterDownload} (download)`).toBeLessThan(
      100 * 1000 * 1000,
    );
  });
});
