import { readFileSync } from "node:fs";

/**
 * VmHWM of a process: the most resident memory it has had; 0 once it is gone. Not getrusage's maxRSS:
 * Linux carries that across fork and exec, so a worker spawned by a harness that had grown to 260 MB
 * reported 260 MB whatever it used itself. VmHWM belongs to the address space, which exec replaces.
 */
export function peakRss(pid: number | "self"): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
