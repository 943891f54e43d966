import type { Database, Tx } from '../db/database.js';

/** What a ledger observer is told, inside the operation's transaction, after its entries are written. */
export interface LedgerOperationEvent {
  tx: Tx;
  kind: string;
  /** The account the operation was made for (pool parents may have entries too). */
  accountId: string;
  creditType: string;
  transactionId: string;
  now: Date;
  result: unknown;
}

/**
 * Runs inside every ledger operation's transaction, after its entries are
 * written and before commit: the place to write outbox events that must exist
 * exactly when the ledger change does (low balance, recharge needed, expiry).
 * Never do I/O outside the database here; throw only to abort the operation.
 */
export type LedgerObserver = (event: LedgerOperationEvent) => Promise<void>;

/** What every ledger operation needs: the database and a clock (tests move it). */
export interface LedgerDeps {
  db: Database;
  clock: () => Date;
  holdDefaultTtlSeconds: number;
  holdMaxTtlSeconds: number;
  observers?: readonly LedgerObserver[];
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
