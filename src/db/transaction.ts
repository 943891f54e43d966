import type { Database, Tx } from './database.js';

const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Runs fn, a whole transaction (one autocommitted statement, or BEGIN …
 * COMMIT), again from the start on serialization failures and deadlocks so
 * callers never see them. fn must be safe to re-run: everything a failed
 * attempt did is rolled back.
 */
export async function retryingConflicts<T>(fn: () => Promise<T>, maxAttempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || !RETRYABLE_SQLSTATES.has(state) || attempt >= maxAttempts) throw error;
      // Short jittered pause so two colliding transactions do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/**
 * Runs fn in one transaction, retried as retryingConflicts retries. Given a
 * transaction, fn joins it: the outermost caller owns the commit and the
 * retry (a conflict aborts the whole transaction, so only it can re-run).
 */
export async function inTransaction<T>(db: Database | Tx, fn: (tx: Tx) => Promise<T>, maxAttempts = 8): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  return retryingConflicts(() => db.transaction().execute(fn), maxAttempts);
}
