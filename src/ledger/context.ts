import type { Database } from '../db/database.js';

/** What every ledger operation needs: the database and a clock (tests move it). */
export interface LedgerDeps {
  db: Database;
  clock: () => Date;
  holdDefaultTtlSeconds: number;
  holdMaxTtlSeconds: number;
}

/** Who and why, carried onto every entry an operation writes. */
export interface OperationMeta {
  actor: string;
  /** Ledger-level idempotency: the same key returns the first result. */
  idempotencyKey?: string | undefined;
  reason?: string | undefined;
  feature?: string | undefined;
  usageEventId?: string | undefined;
}
