/**
 * `npm run bench:chaos`: how closely the emulator's chaos settings shape traffic. The tests only hold
 * the bounds load cannot break (a cap is never exceeded, latency is never shorter than asked); whether a
 * paced transfer comes near its cap needs spare CPU, so it is measured here, each figure as a ratio to
 * the cap and to the same transfer uncapped in the same run.
 *
 * Options: --cap-mb N (8, per connection, in MB/s), --rounds N (3).
 */
import { parseArgs } from "node:util";
import { generatedBytes, startEmulator } from "@ferry/emulator";

const MB = 1_000_000;
const { values } = parseArgs({
  options: { "cap-mb": { type: "string", default: "8" }, rounds: { type: "string", default: "3" } },
});
const cap = Number(values["cap-mb"]) * MB;
const rounds = Number(values.rounds);

const emu = await startEmulator();
try {
  await emu.admin.seed({ account: "personal", files: [{ path: "bench/four.bin", size: 4 * MB }] });
  const { accessToken } = await emu.admin.token("personal");
  const auth = { authorization: `Bearer ${accessToken}` };
  const located = await fetch(`${emu.graphUrl}/me/drive/root:/bench/four.bin:/content`, {
    headers: auth,
    redirect: "manual",
  });
  const url = located.headers.get("location") ?? "";

  const seconds = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return (performance.now() - started) / 1000;
  };
  const download = (suffix = "") => fetch(`${url}${suffix}`).then((r) => r.arrayBuffer());
  const upload = () =>
    fetch(`${emu.graphUrl}/me/drive/root:/bench/up.bin:/content`, {
      method: "PUT",
      headers: auth,
      body: generatedBytes(0, 2 * MB),
    }).then((r) => r.arrayBuffer());
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

  /** Median bytes per second of `run` over the rounds, with `bandwidth` set. */
  async function rate(bandwidth: number, bytes: number, run: () => Promise<unknown>): Promise<number> {
    await emu.admin.settings({ bandwidth });
    const rates: number[] = [];
    for (let i = 0; i < rounds; i++) rates.push(bytes / (await seconds(run)));
    return median(rates);
  }

  const rows: [string, number, number][] = [];
  const one = await rate(cap, 4 * MB, () => download());
  const oneFree = await rate(0, 4 * MB, () => download());
  rows.push(["download, one connection", one, oneFree]);
  const two = await rate(cap, 8 * MB, () => Promise.all([download(), download("?second")]));
  const twoFree = await rate(0, 8 * MB, () => Promise.all([download(), download("?second")]));
  rows.push(["download, two connections (cap each)", two / 2, twoFree / 2]);
  const up = await rate(cap / 2, 2 * MB, upload);
  const upFree = await rate(0, 2 * MB, upload);
  rows.push(["upload (half the cap)", up * 2, upFree * 2]);

  await emu.admin.settings({ bandwidth: 0, latencyMs: 300 });
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++)
    latencies.push(await seconds(() => fetch(`${emu.graphUrl}/me`, { headers: auth })));
  await emu.admin.settings({ latencyMs: 0 });
  const baseline: number[] = [];
  for (let i = 0; i < rounds; i++)
    baseline.push(await seconds(() => fetch(`${emu.graphUrl}/me`, { headers: auth })));

  console.log(`chaos pacing, cap ${cap / MB} MB/s per connection, median of ${rounds}`);
  for (const [name, capped, free] of rows) {
    // Figures are normalised to the cap: 1.00× is exactly the cap.
    console.log(
      `  ${name.padEnd(40)} ${(capped / cap).toFixed(2)}× cap (target 0.8–1.2×), uncapped ${(free / cap).toFixed(1)}× cap`,
    );
  }
  const added = (median(latencies) - median(baseline)) * 1000;
  console.log(`  ${"latency 300 ms, added".padEnd(40)} ${(added / 300).toFixed(2)}× asked (target 1.0–1.2×)`);
} finally {
  await emu.close();
}
