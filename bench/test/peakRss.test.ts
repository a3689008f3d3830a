import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../lib/peakRss.ts", import.meta.url));

describe("peakRss", () => {
  it("reports a spawned worker's own peak, not the peak of the process that spawned it", () => {
    // 300 MB resident here; getrusage's maxRSS in the child would start from this.
    const ballast = Buffer.alloc(300e6, 1);
    const out = execFileSync(process.execPath, [
      "--import",
      "tsx",
      "-e",
      `import(${JSON.stringify(MODULE)}).then((m) => console.log(m.peakRss("self"), process.resourceUsage().maxRSS * 1024))`,
    ]).toString();
    const [own, inherited] = out.trim().split(" ").map(Number) as [number, number];
    expect(inherited).toBeGreaterThan(300e6);
    expect(own).toBeGreaterThan(20e6);
    expect(own).toBeLessThan(200e6);
    expect(ballast[0]).toBe(1);
  });
});
