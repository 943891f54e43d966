import type { Database } from '../db/database.js';
import { listenToChannel } from '../db/listener.js';
import type { Logger } from '../logger.js';
import { LRUCache } from 'lru-cache';
import { readEnforcement, SETTINGS_CHANNEL, type EnforcementMode, type EnforcementSettings } from './enforcement.js';

export interface LiveEnforcement {
  /** The settings in force in this process: memory only, no statement (the hot path reads this). */
  current(): EnforcementSettings;
  /**
   * An account's own enforcement mode (null: none, or no such account), from
   * memory after its first read: changes are announced on the same channel
   * (a trigger on accounts), so deducts and holds pay no extra statement.
   */
  accountMode(accountId: string): Promise<EnforcementMode | null>;
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
  /** Accounts whose own mode is kept in memory (LRU). */
  maxAccounts?: number;
}

const ACCOUNT_PREFIX = 'account:';
/** While the listener is down an account's mode is kept this long only, as the settings are re-read every pollMs. */
const DEGRADED_ACCOUNT_TTL_MS = 1000;

/**
 * The global enforcement settings of one process (R-O2), cached in memory and
 * kept current without a restart: a PATCH NOTIFYs SETTINGS_CHANNEL when it
 * commits and every process LISTENing re-reads the row at once; while a
 * process's listener is down it re-reads every `pollMs` (2 s), so a change is
 * in force everywhere within 5 s either way. A failed read keeps the last
 * settings (logged) and is retried on the next tick. Accounts' own modes are
 * kept the same way: forgotten when announced (`account:<id>`, by a trigger),
 * all of them when the listener goes or comes back, and kept 1 s only while
 * it is down.
 */
export async function openLiveEnforcement(db: Database, options: LiveEnforcementOptions): Promise<LiveEnforcement> {
  const pollMs = options.pollMs ?? 2000;
  const safetyMs = options.safetyMs ?? 60_000;
  let settings: EnforcementSettings = { ...options.defaults };
  let lastRead = 0;
  let reading: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const accounts = new LRUCache<string, { mode: EnforcementMode | null }>({ max: options.maxAccounts ?? 100_000, ttl: safetyMs });
  // Bumped by every forgetting: a read that started before one does not store what it read.
  let generation = 0;
  const forget = (accountId?: string) => {
    generation++;
    if (accountId === undefined) accounts.clear();
    else accounts.delete(accountId);
  };

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
          onNotify: (payload) => (payload.startsWith(ACCOUNT_PREFIX) ? forget(payload.slice(ACCOUNT_PREFIX.length)) : void refresh()),
          // A change announced while not listening was missed.
          onListening: () => {
            forget();
            void refresh();
          },
          onLost: (why) => {
            forget();
            options.logger?.warn({ err: why }, `settings listener lost; re-reading every ${pollMs} ms until it is back`);
          },
        });
  const timer = setInterval(() => {
    const listening = listener?.listening() ?? false;
    if (!listening || Date.now() - lastRead >= safetyMs) void refresh();
  }, pollMs);
  timer.unref();

  const accountMode = async (accountId: string): Promise<EnforcementMode | null> => {
    const hit = accounts.get(accountId);
    if (hit) return hit.mode;
    const seen = generation;
    const row = await db.selectFrom('accounts').select('enforcement_mode').where('id', '=', accountId).executeTakeFirst();
    if (!row) return null; // not cached: the operation itself answers 404
    const listening = listener?.listening() ?? false;
    if (seen === generation) accounts.set(accountId, { mode: row.enforcement_mode }, listening ? {} : { ttl: DEGRADED_ACCOUNT_TTL_MS });
    return row.enforcement_mode;
  };

  return {
    current: () => settings,
    accountMode,
    refresh,
    async close() {
      clearInterval(timer);
      await listener?.close();
      await next;
      await reading;
    },
  };
}

/** Settings fixed for the life of the process, never re-read, and no account's own mode: benches and tests that change neither. */
export function fixedEnforcement(settings: EnforcementSettings): LiveEnforcement {
  return {
    current: () => settings,
    accountMode: () => Promise.resolve(null),
    refresh: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
