import type { Database, Tx } from './database.js';

const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Runs fn in one transaction, retrying it from the start on serialization
 * failures and deadlocks so callers never see them. fn must be safe to re-run:
 * everything it does is rolled back between attempts.
 */
export async function inTransaction<T>(db: Database, fn: (tx: Tx) => Promise<T>, maxAttempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || !RETRYABLE_SQLSTATES.has(state) || attempt >= maxAttempts) throw error;
      // Short jittered pause so two colliding transactions do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
