import type { FastifyBaseLogger } from "fastify";

/**
 * Runs `task` every `intervalMs` in the background, never two runs at once (a slow run delays the next instead of
 * piling up), without keeping the process alive. stop() waits for a run in progress.
 */
export class Periodic {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly task: () => Promise<unknown>,
    private readonly logger: FastifyBaseLogger,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running !== undefined) return;
      this.#running = this.task()
        .then(
          () => undefined,
          (error: unknown) => this.logger.error({ err: error }, `${this.name} failed`),
        )
        .finally(() => {
          this.#running = undefined;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
