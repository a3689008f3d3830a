// Long-running commands (serve, dev) stop on Ctrl-C or SIGTERM by closing what they started, in order,
// so the emulator saves its state and SQLite checkpoints. A second signal exits at once, and so does a
// close that hangs (a server waiting on a request whose client vanished mid-upload): a dev stack that
// will not stop is worse than one that stops a little rudely.

const FORCE_AFTER_MS = 10_000;

export function onShutdown(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`\nStopping (${signal})…\n`);
      const force = setTimeout(() => {
        process.stderr.write(`ferry: still not stopped after ${FORCE_AFTER_MS / 1000} s; exiting anyway\n`);
        process.exit(1);
      }, FORCE_AFTER_MS);
      force.unref();
      close().then(
        () => {
          clearTimeout(force);
          lingerGuard();
          resolve();
        },
        (error: unknown) => {
          clearTimeout(force);
          reject(error);
        },
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/**
 * Everything we started is closed; if some library still holds a ref'd handle (seen after large
 * uploads to the emulator), exit anyway rather than hang. Unref'd, so a clean exit is not delayed.
 */
function lingerGuard(): void {
  setTimeout(() => {
    if (process.argv.includes("--debug")) {
      process.stderr.write(
        `ferry: exiting with handles still open: ${process.getActiveResourcesInfo().join(", ")}\n`,
      );
    }
    process.exit(process.exitCode ?? 0);
  }, 1000).unref();
}
