// The explorer's transfers keep the broker's memory bounded: 1 GiB goes up through the page's upload route (5 MiB
// fragments streamed into a Graph upload session) and comes back down through the download route, while the RSS of
// the broker — a process of its own — is sampled. Its growth over the idle broker must stay under 100 MB either
// way; the figures are printed and written to test-artifacts/broker/explorer-memory.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { recordFigure } from "../../../reliability/figures.ts";
import {
  connectOneDrive,
  createTestUser,
  PUBLIC_URL,
  signIn,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";
import { startBrokerProcessFor, stopBrokerProcess } from "./support/brokerProcess.ts";

const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/broker/", import.meta.url));
const GIB = 1024 ** 3;
const LIMIT_BYTES = 100 * 1024 * 1024;

const emulator = useEmulator();

/** The process's resident set now, in bytes (Linux /proc). */
function rss(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kib) * 1024;
}

/** Samples `pid`'s RSS every 50 ms while `work` runs; returns its peak. */
async function peakDuring(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = rss(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rss(pid));
  }, 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rss(pid));
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

describe("the explorer's transfers through the broker", () => {
  const b = useBroker("sqlite", emulator);

  it("stream 1 GiB up and down with the broker's RSS growing less than 100 MB", async () => {
    const ada = await createTestUser(b, "ada");
    await connectOneDrive(b, ada, "personal");
    const session = await signIn(b, ada.user);
    const broker = await startBrokerProcessFor(b);
    const pid = broker.child.pid as number;
    try {
      const headers = { ...session.headers, origin: PUBLIC_URL };
      const upload = async (path: string, size: number) => {
        const started = await fetch(`${broker.url}/api/v1/onedrive/uploads`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ path, size, overwrite: true }),
        });
        expect(started.status, await started.clone().text()).toBe(200);
        const { uploadId, fragmentSize } = (await started.json()) as {
          uploadId: string;
          fragmentSize: number;
        };
        const fragment = Buffer.alloc(fragmentSize);
        for (let i = 0; i < fragment.length; i++) fragment[i] = (i * 31) % 256;
        let last: unknown;
        for (let at = 0; at < size; at += fragmentSize) {
          const end = Math.min(at + fragmentSize, size);
          const response = await fetch(`${broker.url}/api/v1/onedrive/uploads/${uploadId}`, {
            method: "PUT",
            headers: {
              ...headers,
              "content-type": "application/octet-stream",
              "content-range": `bytes ${at}-${end - 1}/${size}`,
            },
            body: fragment.subarray(0, end - at),
          });
          last = await response.json();
          expect(response.status, JSON.stringify(last)).toBe(200);
        }
        expect(last).toMatchObject({ done: true, item: { size } });
      };
      const download = async (path: string): Promise<number> => {
        const response = await fetch(
          `${broker.url}/api/v1/onedrive/content?path=${encodeURIComponent(path)}`,
          {
            headers: { cookie: session.cookie },
          },
        );
        expect(response.status).toBe(200);
        let bytes = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
          bytes += chunk.length;
        return bytes;
      };

      // Warm up (JIT, pools, first Graph token) with a small file, then take the idle broker's RSS as the base.
      await upload("warm.bin", 12 * 1024 * 1024);
      await download("warm.bin");
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const base = rss(pid);

      let uploadMs = 0;
      const uploadPeak = await peakDuring(pid, async () => {
        const t = Date.now();
        await upload("big/one-gib.bin", GIB);
        uploadMs = Date.now() - t;
      });
      let downloaded = 0;
      let downloadMs = 0;
      const downloadPeak = await peakDuring(pid, async () => {
        const t = Date.now();
        downloaded = await download("big/one-gib.bin");
        downloadMs = Date.now() - t;
      });
      expect(downloaded).toBe(GIB);

      const figures = {
        baseRssMb: mb(base),
        uploadPeakRssMb: mb(uploadPeak),
        uploadGrowthMb: mb(uploadPeak - base),
        uploadSeconds: uploadMs / 1000,
        downloadPeakRssMb: mb(downloadPeak),
        downloadGrowthMb: mb(downloadPeak - base),
        downloadSeconds: downloadMs / 1000,
      };
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(`${ARTIFACTS}explorer-memory.json`, `${JSON.stringify(figures, null, 2)}\n`);
      recordFigure({
        area: "explorer memory",
        name: "broker RSS growth while 1 GiB is uploaded through the page's route (MB)",
        value: figures.uploadGrowthMb,
        bar: "< 100",
      });
      recordFigure({
        area: "explorer memory",
        name: "broker RSS growth while 1 GiB is downloaded through the page's route (MB)",
        value: figures.downloadGrowthMb,
        bar: "< 100",
      });
      expect(uploadPeak - base).toBeLessThan(LIMIT_BYTES);
      expect(downloadPeak - base).toBeLessThan(LIMIT_BYTES);
    } finally {
      await stopBrokerProcess(broker);
    }
  }, 600_000);
});
