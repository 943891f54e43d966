import { createHash } from 'node:crypto';
import { inTransaction, retryingConflicts } from '../db/transaction.js';
import type { Database, Tx } from '../db/database.js';
import type { LedgerDeps, LedgerSqlObserver, LedgerTransactionObserver, OperationMeta } from './context.js';
import { canonicalJson } from './entry-hash.js';
import {
  amountOverflowError,
  assertStorableText,
  executeLedgerOp,
  isIdempotencyRace,
  type LedgerOp,
  type LedgerOutcome,
} from './ledger-call.js';
import { StoredHttpResponse } from '../errors.js';
import { refusalError } from './refusals.js';

export interface LedgerOperationSpec {
  kind: string;
  /** The operation's own fields, as ledger_execute reads them (accountId, creditType, amount in units …). */
  fields: Record<string, unknown>;
  meta: OperationMeta;
  /** The operation's input, hashed to tell a retry from a different request under the same key. */
  request: unknown;
  /** Operations with the same group key may share one group-committed transaction (deducts and holds of one account). */
  groupKey?: string;
}

/** Hash of a request, independent of key order, so a retry with reordered fields is the same request. */
export function requestHash(request: unknown): string {
  const plain: unknown = JSON.parse(
    JSON.stringify(request, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v)) ?? 'null',
  );
  return createHash('sha256').update(canonicalJson(plain)).digest('hex');
}

const isSqlObserver = (o: unknown): o is LedgerSqlObserver => typeof o === 'object' && o !== null && 'sqlFunction' in o;

/** The deps' observers, split: SQL functions run inside the ledger's call, transaction observers after it in the same transaction. */
export function observersOf(deps: LedgerDeps): { sqlObservers: LedgerSqlObserver[]; txObservers: LedgerTransactionObserver[] } {
  const observers = deps.observers ?? [];
  return {
    sqlObservers: observers.filter(isSqlObserver),
    txObservers: observers.filter((o): o is LedgerTransactionObserver => !isSqlObserver(o)),
  };
}

/** Builds the operation as ledger_execute takes it; called when it is sent, so `now` is the send time. */
export function ledgerOpBuilder(deps: LedgerDeps, spec: LedgerOperationSpec): () => LedgerOp {
  const { sqlObservers } = observersOf(deps);
  const hash = requestHash(spec.request);
  const { meta } = spec;
  return () => ({
    kind: spec.kind,
    ...spec.fields,
    idempotencyKey: meta.idempotencyKey,
    requestHash: hash,
    actor: meta.actor,
    reason: meta.reason,
    feature: meta.feature,
    usageEventId: meta.usageEventId,
    now: deps.clock().toISOString(),
    observers: sqlObservers.map((o) => ({ fn: o.sqlFunction, args: o.args ?? null })),
    http: meta.httpIdempotency,
  });
}

/** After the commit: each SQL observer is told what its function returned for a new (not replayed) transaction. */
export function reportObserved(sqlObservers: readonly LedgerSqlObserver[], kind: string, outcome: LedgerOutcome): void {
  if ('error' in outcome || 'httpReplay' in outcome || outcome.replayed) return;
  sqlObservers.forEach((observer, i) => {
    const output = outcome.observed[i];
    if (output !== null && output !== undefined) {
      observer.onResult?.(output, { kind, accountId: outcome.accountId, creditType: outcome.creditType });
    }
  });
}

/** Tells each transaction observer of a new transaction, inside it. */
export async function observeInTransaction(
  tx: Tx,
  observers: readonly LedgerTransactionObserver[],
  op: LedgerOp,
  outcome: LedgerOutcome,
): Promise<void> {
  if ('error' in outcome || 'httpReplay' in outcome || outcome.replayed) return;
  const { accountId, creditType, transactionId, result } = outcome;
  for (const observe of observers) {
    await observe({ tx, kind: op.kind, accountId, creditType, transactionId, now: new Date(op.now), result });
  }
}

/**
 * Runs one ledger operation: one call of ledger_execute, which locks, writes
 * the entries, records the ledger transaction (with its idempotency key and
 * result) and runs the SQL observers, all in one statement and one commit.
 * With transaction observers it runs inside BEGIN … COMMIT so they can add
 * their statements; with group commit it may share a transaction with other
 * operations on the same account. Serialization failures and deadlocks are
 * retried; a refusal is thrown as its domain error.
 */
export async function runLedgerOperation<T>(deps: LedgerDeps, spec: LedgerOperationSpec): Promise<T> {
  const { sqlObservers, txObservers } = observersOf(deps);
  const build = ledgerOpBuilder(deps, spec);

  assertStorableText(build());
  let outcome: LedgerOutcome;
  try {
    if (txObservers.length > 0) outcome = await runWithTransactionObservers(deps.db, build, txObservers);
    else if (deps.groupCommit && spec.groupKey !== undefined) outcome = await deps.groupCommit.submit(deps.db, spec.groupKey, build);
    else outcome = await runAlone(deps.db, build);
  } catch (error) {
    throw amountOverflowError(error) ?? error;
  }

  if ('error' in outcome) throw refusalError(outcome.error);
  if ('httpReplay' in outcome) {
    // The request's Idempotency-Key holds its response (this operation's first
    // result, or a problem the API stored): answered as stored, byte for byte.
    throw new StoredHttpResponse(outcome.httpReplay.status, outcome.httpReplay.body);
  }
  reportObserved(sqlObservers, spec.kind, outcome);
  return outcome.result as T;
}

/** One operation, one autocommitted statement. */
export async function runAlone(db: Database, build: () => LedgerOp): Promise<LedgerOutcome> {
  const attempt = () => retryingConflicts(() => executeLedgerOp(db, build()));
  try {
    return await attempt();
  } catch (error) {
    // Two callers raced with one key: the loser runs again and finds the winner's result.
    if (isIdempotencyRace(error)) return attempt();
    throw error;
  }
}

async function runWithTransactionObservers(
  db: Database,
  build: () => LedgerOp,
  observers: readonly LedgerTransactionObserver[],
): Promise<LedgerOutcome> {
  const attempt = () =>
    inTransaction(db, async (tx) => {
      const op = build();
      const outcome = await executeLedgerOp(tx, op);
      await observeInTransaction(tx, observers, op, outcome);
      return outcome;
    });
  try {
    return await attempt();
  } catch (error) {
    if (isIdempotencyRace(error)) return attempt();
    throw error;
  }
}
