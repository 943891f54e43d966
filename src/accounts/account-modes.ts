import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.js';
import type { Mode } from '../db/schema.js';

/**
 * Each account's mode (live or test), for the one authorization of account
 * access (src/api/route-access.ts). An account's mode is set when it is made
 * and never changes, and account ids are never reused, so a cached mode
 * cannot go stale: no invalidation, no NOTIFY, and once an account is known
 * the check costs no database round trip (the deduct path stays at its
 * queries). One cache per database, bounded; an account not found is not
 * cached (the handler answers its own 404).
 */
export interface AccountModes {
  /** The modes of these accounts; accounts that do not exist are absent. */
  of(accountIds: readonly string[]): Promise<Map<string, Mode>>;
}

const caches = new WeakMap<Database, AccountModes>();

export function accountModes(db: Database, maxEntries = 100_000): AccountModes {
  let modes = caches.get(db);
  if (!modes) {
    const cache = new LRUCache<string, Mode>({ max: maxEntries });
    modes = {
      async of(accountIds) {
        const found = new Map<string, Mode>();
        const missing: string[] = [];
        for (const id of accountIds) {
          const mode = cache.get(id);
          if (mode) found.set(id, mode);
          else missing.push(id);
        }
        if (missing.length === 0) return found;
        const rows = await db.selectFrom('accounts').select(['id', 'mode']).where('id', 'in', missing).execute();
        for (const row of rows) {
          cache.set(row.id, row.mode);
          found.set(row.id, row.mode);
        }
        return found;
      },
    };
    caches.set(db, modes);
  }
  return modes;
}
