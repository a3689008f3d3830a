import { GraphFault } from "../fault.ts";
import { opaque } from "../secrets.ts";

/** How long an emulated copy takes before it completes behind its monitor URL. */
export interface CopyTiming {
  /** A single file up to this size is copied before the 202 is sent: its first poll sees `completed`. */
  syncMaxBytes: number;
  /** Every other copy stays `inProgress` at least this long. */
  minDelayMs: number;
  msPerItem: number;
  bytesPerSecond: number;
  maxDelayMs: number;
}

export const DEFAULT_COPY_TIMING: CopyTiming = {
  syncMaxBytes: 64 * 1024,
  minDelayMs: 300,
  msPerItem: 2,
  bytesPerSecond: 500 * 1024 * 1024,
  maxDelayMs: 10_000,
};

export type CopyStatus = "inProgress" | "completed" | "failed";

/** What the monitor URL reports (Graph's asyncJobStatus for `ItemCopy`). */
export interface CopyJob {
  id: string;
  status: CopyStatus;
  startedAt: number;
  readyAt: number;
  resourceId?: string;
  error?: { code: string; message: string };
}

interface PendingJob extends CopyJob {
  work?: () => string;
  timer?: NodeJS.Timeout;
}

/** Finished jobs stay readable this long after they end, then go. */
const KEEP_FINISHED_MS = 60 * 60 * 1000;

/**
 * Copy operations behind their monitor URLs. Graph copies asynchronously: the POST only says the
 * copy was accepted, and the new item appears when the job completes. A job runs its work once,
 * either when its timer fires or when a poll finds it due (the emulator clock may have been
 * advanced), whichever comes first.
 */
export class CopyJobs {
  timing: CopyTiming = { ...DEFAULT_COPY_TIMING };
  private readonly jobs = new Map<string, PendingJob>();

  /** 0 for a copy done before answering; otherwise how long it stays `inProgress`. */
  delayFor(isFolder: boolean, items: number, bytes: number): number {
    const t = this.timing;
    if (!isFolder && bytes <= t.syncMaxBytes) return 0;
    const ms = t.minDelayMs + items * t.msPerItem + (bytes / t.bytesPerSecond) * 1000;
    return Math.min(Math.round(ms), t.maxDelayMs);
  }

  /** Starts a job whose `work` performs the copy and returns the new item's id, or throws a GraphFault. */
  start(nowMs: number, delayMs: number, work: () => string): CopyJob {
    this.prune(nowMs);
    const job: PendingJob = {
      id: opaque(24),
      status: "inProgress",
      startedAt: nowMs,
      readyAt: nowMs + delayMs,
      work,
    };
    this.jobs.set(job.id, job);
    if (delayMs <= 0) this.settle(job);
    else {
      job.timer = setTimeout(() => this.settle(job), delayMs);
      job.timer.unref();
    }
    return job;
  }

  /** The job's current report, running it first if it is due. */
  get(id: string, nowMs: number): (CopyJob & { percentageComplete: number }) | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === "inProgress" && nowMs >= job.readyAt) this.settle(job);
    const { work: _work, timer: _timer, ...report } = job;
    const span = job.readyAt - job.startedAt;
    const percentageComplete =
      job.status === "completed"
        ? 100
        : job.status === "failed"
          ? 0
          : Math.min(99, Math.round((Math.max(0, nowMs - job.startedAt) / Math.max(1, span)) * 1000) / 10);
    return { ...report, percentageComplete };
  }

  /** Stops pending timers (the emulator is closing). */
  dispose(): void {
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer);
    this.jobs.clear();
  }

  private settle(job: PendingJob): void {
    const work = job.work;
    if (!work || job.status !== "inProgress") return;
    job.work = undefined;
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    try {
      job.resourceId = work();
      job.status = "completed";
    } catch (err) {
      job.status = "failed";
      job.error =
        err instanceof GraphFault
          ? { code: err.code, message: err.message }
          : { code: "generalException", message: "The copy failed." };
    }
  }

  private prune(nowMs: number): void {
    for (const [id, job] of this.jobs) {
      if (job.status !== "inProgress" && nowMs - job.readyAt > KEEP_FINISHED_MS) this.jobs.delete(id);
    }
  }
}
