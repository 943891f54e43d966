import type { Database, Tx } from '../db/database.js';
import type { GroupCommit } from './group-commit.js';

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
 * An observer that runs its own statements inside the operation's transaction
 * (the operation then runs as BEGIN, its call, the observers, COMMIT). Each
 * statement is a round trip made under the balance locks: fine for tests and
 * rare operations, not for the hot path. Never do I/O outside the database
 * here; throw only to abort the operation.
 */
export type LedgerTransactionObserver = (event: LedgerOperationEvent) => Promise<void>;

/**
 * An observer that costs no round trip: a SQL function its area defines in
 * its own migration, `fn(operation jsonb, args jsonb) returns jsonb`, run by
 * the ledger inside the operation's one call, after the operation's writes,
 * in the same transaction. `operation` is {kind, accountId, creditType,
 * transactionId, now, result}. The place to write outbox events and marks
 * that must exist exactly when the ledger change does.
 */
export interface LedgerSqlObserver {
  readonly sqlFunction: string;
  /** JSON handed to the function as `args` (configuration, request context). */
  readonly args?: unknown;
  /** Told what the function returned, when it returned something, once the call has come back. */
  readonly onResult?: (output: unknown, operation: { kind: string; accountId: string; creditType: string }) => void;
}

export type LedgerObserver = LedgerTransactionObserver | LedgerSqlObserver;

/** What every ledger operation needs: the database and a clock (tests move it). */
export interface LedgerDeps {
  db: Database;
  clock: () => Date;
  holdDefaultTtlSeconds: number;
  holdMaxTtlSeconds: number;
  observers?: readonly LedgerObserver[];
  /**
   * Group commit for hot accounts: concurrent deducts and holds of one
   * account (and credit type) in this process run as one transaction. Off
   * when absent, and for operations with transaction observers.
   */
  groupCommit?: GroupCommit | undefined;
}

/**
 * The HTTP Idempotency-Key record of the request a ledger operation serves,
 * claimed and completed in the operation's own transaction (one commit per
 * request). The claim comes first: a concurrent request with the same key
 * waits for this transaction, a key used for another request refuses the
 * operation (IdempotencyConflictError, 422), a claim of this request younger
 * than inFlightTimeoutSeconds refuses it (409 idempotency_key_in_flight), and
 * a key that already holds this request's response answers with it: the
 * operation throws StoredHttpResponse with the status and the exact stored
 * text, for the API to send as is (a replay). On success the stored response
 * is `status` with the operation's result as JSON (byte for byte
 * serializeBody of the result); when the ledger key already holds the
 * operation (its first response was lost), the record is completed with the
 * first result's exact text and the operation throws StoredHttpResponse with
 * it. A refused operation leaves no record (the API stores its problem
 * response).
 */
export interface HttpIdempotencyRecord {
  apiKeyId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  status: number;
  retentionHours: number;
  /**
   * A claim of this same request older than this, left by an attempt that
   * died, is taken over; a younger one is in flight (409). Required: the API
   * passes IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS.
   */
  inFlightTimeoutSeconds: number;
}

/** Who and why, carried onto every entry an operation writes. */
export interface OperationMeta {
  actor: string;
  /** Ledger-level idempotency: the same key returns the first result. */
  idempotencyKey?: string | undefined;
  reason?: string | undefined;
  feature?: string | undefined;
  usageEventId?: string | undefined;
  /** Complete this HTTP Idempotency-Key record in the operation's own transaction (one commit per request). */
  httpIdempotency?: HttpIdempotencyRecord | undefined;
}
