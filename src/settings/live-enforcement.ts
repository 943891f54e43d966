import type { Database } from '../db/database.js';
import { listenToChannel } from '../db/listener.js';
import type { Logger } from '../logger.js';
import { readEnforcement, SETTINGS_CHANNEL, type EnforcementSettings } from './enforcement.js';

export interface LiveEnforcement {
  /** The settings in force in this process: memory only, no statement (the hot path reads this). */
  current(): EnforcementSettings;
  /** Reads the stored settings now (a change made by this process takes effect here at once). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface LiveEnforcementOptions {
  /** The environment's values, in force for whatever is not stored. */
  defaults: EnforcementSettings;
  /** PostgreSQL to LISTEN on; without it the settings are only re-read every `pollMs`. */
  listenUrl?: string | undefined;
  logger?: Logger | undefined;
  /** Re-read this often while the listener is down (and at start, until it is up). */
  pollMs?: number;
  /** Re-read this often even while listening: a safety net for a lost notification. */
  safetyMs?: number;
}

/**
 * The global enforcement settings of one process (R-O2), cached in memory and
 * kept current without a restart: a PATCH NOTIFYs SETTINGS_CHANNEL when it
 * commits and every process LISTENing re-reads the row at once; while a
 * process's listener is down it re-reads every `pollMs` (2 s), so a change is
 * in force everywhere within 5 s either way. A failed read keeps the last
 * settings (logged) and is retried on the next tick.
 */
export async function openLiveEnforcement(db: Database, options: LiveEnforcementOptions): Promise<LiveEnforcement> {
  const pollMs = options.pollMs ?? 2000;
  const safetyMs = options.safetyMs ?? 60_000;
  let settings: EnforcementSettings = { ...options.defaults };
  let lastRead = 0;
  let reading: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  const read = async () => {
    const stored = await readEnforcement(db, options.defaults);
    settings = { mode: stored.mode, rolloutPercent: stored.rolloutPercent, ledgerUnavailablePolicy: stored.ledgerUnavailablePolicy };
    lastRead = Date.now();
  };
  // One read at a time. A call during a read gets the next read, one started after it (the running one may predate the change).
  const refresh = (): Promise<void> => {
    if (!reading) {
      reading = read()
        .catch((error: unknown) => options.logger?.warn({ err: error }, 'enforcement settings not re-read; the last ones stay in force'))
        .finally(() => (reading = undefined));
      return reading;
    }
    next ??= reading.then(() => {
      next = undefined;
      return refresh();
    });
    return next;
  };

  await read(); // a process starts with the stored settings, or not at all
  const listener =
    options.listenUrl === undefined
      ? undefined
      : listenToChannel({
          url: options.listenUrl,
          channel: SETTINGS_CHANNEL,
          applicationName: 'burndown-settings-listener',
          onNotify: () => void refresh(),
          onListening: () => void refresh(), // a change announced while not listening was missed
          onLost: (why) => options.logger?.warn({ err: why }, `settings listener lost; re-reading every ${pollMs} ms until it is back`),
        });
  const timer = setInterval(() => {
    const listening = listener?.listening() ?? false;
    if (!listening || Date.now() - lastRead >= safetyMs) void refresh();
  }, pollMs);
  timer.unref();

  return {
    current: () => settings,
    refresh,
    async close() {
      clearInterval(timer);
      await listener?.close();
      await next;
      await reading;
    },
  };
}

/** Settings fixed for the life of the process, never re-read: benches and tests that do not change them. */
export function fixedEnforcement(settings: EnforcementSettings): LiveEnforcement {
  return { current: () => settings, refresh: () => Promise.resolve(), close: () => Promise.resolve() };
}
