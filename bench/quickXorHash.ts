/**
 * `npx tsx bench/quickXorHash.ts`: QuickXorHash's WebAssembly SIMD path against its JavaScript
 * fallback (the 32-bit loop every hasher used before), hashing 1 GiB in the chunk sizes downloads
 * hand it. Rounds alternate between the two so load from elsewhere hits both alike; reports the
 * median of the rounds after a warm-up, and checks the digests agree.
 *
 * The chunks are cut from a pool larger than the CPU caches (64 MiB by default), as a download's
 * bytes come from memory the hash has not seen. Options: --rounds N (5), --pool-mib N (64).
 */
import { parseArgs } from "node:util";
import { fallbackQuickXorHash, QuickXorHash, simdAvailable } from "../packages/graph/src/quickXorHash.ts";
import { median } from "./lib/stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string" }, "pool-mib": { type: "string" } } });
const rounds = Number(values.rounds ?? 5);
const MiB = 1024 * 1024;
const TOTAL = 1024 * MiB;
const pool = new Uint8Array(Number(values["pool-mib"] ?? 64) * MiB);
// Random bytes, cheaply: one random 64 KiB block repeated (getRandomValues takes 64 KiB at most).
crypto.getRandomValues(pool.subarray(0, 65536));
for (let at = 65536; at < pool.length; at += 65536) pool.copyWithin(at, 0, 65536);

function hashOnce(hasher: QuickXorHash, chunk: number): { seconds: number; digest: string } {
  const started = performance.now();
  for (let done = 0; done < TOTAL; ) {
    for (let at = 0; at + chunk <= pool.length && done < TOTAL; at += chunk, done += chunk) {
      hasher.update(pool.subarray(at, at + chunk));
    }
  }
  const digest = hasher.digest();
  return { seconds: (performance.now() - started) / 1000, digest };
}

const paths = { simd: () => new QuickXorHash(), js: fallbackQuickXorHash };
console.log(`WebAssembly SIMD available: ${simdAvailable()}`);
for (const chunk of [256 * 1024, 16 * 1024]) {
  const seconds = { simd: [] as number[], js: [] as number[] };
  const digests = new Set<string>();
  for (let round = 0; round <= rounds; round++) {
    for (const path of ["simd", "js"] as const) {
      const result = hashOnce(paths[path](), chunk);
      digests.add(result.digest);
      if (round > 0) seconds[path].push(result.seconds);
    }
  }
  if (digests.size !== 1) throw new Error(`The two paths disagree: ${[...digests].join(", ")}`);
  const simd = median(seconds.simd);
  const js = median(seconds.js);
  const gbps = (s: number) => (TOTAL / s / 1e9).toFixed(2);
  console.log(
    `1 GiB in ${chunk / 1024} KiB chunks: SIMD ${simd.toFixed(3)} s (${gbps(simd)} GB/s), ` +
      `JS ${js.toFixed(3)} s (${gbps(js)} GB/s), ${(js / simd).toFixed(2)}× faster`,
  );
}
