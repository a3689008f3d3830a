// Transfer progress. On a terminal: one bar per file in flight (bytes, rate, ETA) and a total bar,
// drawn by cli-progress on stderr so stdout stays clean for output that scripts read. Without a
// terminal nothing is drawn: a log file full of redraws helps no one.

import cliProgress from "cli-progress";
import { humanBytes } from "./output.ts";

export interface FileProgress {
  /** Bytes done so far of this file. */
  update(bytes: number): void;
  done(): void;
}

interface Bar {
  update(value: number, payload: Record<string, string>): void;
  setTotal(total: number): void;
}

const FORMAT = "{bar} {percentage}% | {done}/{size} | {rate} | ETA {eta_formatted} | {name}";

export class TransferProgress {
  private readonly multi: cliProgress.MultiBar | undefined;
  private total: Bar | undefined;
  private totalBytes: number;
  private finishedBytes = 0;
  private readonly inFlight = new Map<number, number>();
  private nextId = 0;
  private readonly started = Date.now();
  private files = 0;

  constructor(options: { totalBytes: number; totalFiles: number; stream?: NodeJS.WriteStream }) {
    const stream = options.stream ?? process.stderr;
    this.totalBytes = options.totalBytes;
    this.files = options.totalFiles;
    if (!stream.isTTY) return;
    this.multi = new cliProgress.MultiBar(
      {
        format: FORMAT,
        stream,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 50,
        fps: 10,
        barsize: 24,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.total = this.multi.create(
      Math.max(1, this.totalBytes),
      0,
      this.payload("total", 0, this.started),
    ) as Bar;
  }

  get enabled(): boolean {
    return this.multi !== undefined;
  }

  /** A bar for one file; the total advances with it. */
  file(name: string, size: number): FileProgress {
    const id = this.nextId++;
    const started = Date.now();
    this.inFlight.set(id, 0);
    const bar = this.multi?.create(Math.max(1, size), 0, this.payload(name, 0, started, size)) as
      | Bar
      | undefined;
    return {
      update: (bytes: number) => {
        this.inFlight.set(id, bytes);
        bar?.update(bytes, this.payload(name, bytes, started, size));
        this.redrawTotal();
      },
      done: () => {
        this.inFlight.delete(id);
        this.finishedBytes += size;
        if (bar) this.multi?.remove(bar as unknown as cliProgress.SingleBar);
        this.redrawTotal();
      },
    };
  }

  stop(): void {
    this.redrawTotal();
    this.multi?.stop();
  }

  private redrawTotal(): void {
    if (!this.total) return;
    let bytes = this.finishedBytes;
    for (const b of this.inFlight.values()) bytes += b;
    this.total.update(
      bytes,
      this.payload(
        `total (${this.files} file${this.files === 1 ? "" : "s"})`,
        bytes,
        this.started,
        this.totalBytes,
      ),
    );
  }

  private payload(
    name: string,
    bytes: number,
    since: number,
    size = this.totalBytes,
  ): Record<string, string> {
    const seconds = Math.max(0.001, (Date.now() - since) / 1000);
    return {
      name,
      done: humanBytes(bytes),
      size: humanBytes(size),
      rate: `${humanBytes(bytes / seconds)}/s`,
    };
  }
}
