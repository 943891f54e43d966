import { createHash } from 'node:crypto';
import { canonicalJson } from './entry-hash.js';
import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { IdempotencyConflictError } from '../errors.js';
import { newId } from './ids.js';

export interface LedgerOperationSpec {
  /** The account the operation is recorded under (the caller's account). */
  accountId: string;
  kind: string;
  creditType: string;
  meta: OperationMeta;
  /** Another transaction this one acts on (a refund names the burn it returns). */
  relatedTransactionId?: string;
  /** The operation's input, hashed to tell a retry from a different request under the same key. */
  request: unknown;
}

export interface OperationScope {
  tx: Tx;
  transactionId: string;
  now: Date;
}

/** Hash of a request, independent of key order, so a retry with reordered fields is the same request. */
export function requestHash(request: unknown): string {
  const plain: unknown = JSON.parse(
    JSON.stringify(request, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v)) ?? 'null',
  );
  return createHash('sha256').update(canonicalJson(plain)).digest('hex');
}

function isIdempotencyRace(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: string }).code === '23505' &&
    (error as { constraint?: string }).constraint === 'ledger_transactions_idem_uq'
  );
}

/**
 * Runs one ledger operation in one database transaction and records it as a
 * ledger transaction. With an idempotency key (activities derive theirs from
 * the workflow id and step) a repeat returns the first result without writing
 * anything; the same key with a different request is a conflict.
 */
export async function runLedgerOperation<T>(
  deps: LedgerDeps,
  spec: LedgerOperationSpec,
  body: (scope: OperationScope) => Promise<T>,
): Promise<T> {
  const hash = requestHash(spec.request);
  const key = spec.meta.idempotencyKey;
  const attempt = () =>
    inTransaction(deps.db, async (tx) => {
      if (key !== undefined) {
        // Callers with the same key queue here, so a duplicate finds the first
        // one's committed result instead of re-running the body, whose own
        // checks could refuse it (a 402 once the first burned the credits).
        // Taken before any row lock, so it cannot join a lock cycle.
        await sql`select pg_advisory_xact_lock(hashtext(${spec.accountId}), hashtext(${key}))`.execute(tx);
        const previous = await tx
          .selectFrom('ledger_transactions')
          .select(['request_hash', 'result', 'kind'])
          .where('account_id', '=', spec.accountId)
          .where('idempotency_key', '=', key)
          .executeTakeFirst();
        if (previous) {
          if (previous.request_hash !== hash || previous.kind !== spec.kind) {
            throw new IdempotencyConflictError(
              `Idempotency key ${key} was already used for a different ${previous.kind} request on account ${spec.accountId}`,
            );
          }
          return previous.result as T;
        }
      }
      const transactionId = newId('transaction');
      const now = deps.clock();
      const result = await body({ tx, transactionId, now });
      for (const observe of deps.observers ?? []) {
        await observe({ tx, kind: spec.kind, accountId: spec.accountId, creditType: spec.creditType, transactionId, now, result });
      }
      await tx
        .insertInto('ledger_transactions')
        .values({
          account_id: spec.accountId,
          id: transactionId,
          kind: spec.kind,
          credit_type: spec.creditType,
          idempotency_key: key ?? null,
          request_hash: hash,
          related_transaction_id: spec.relatedTransactionId ?? null,
          result: JSON.stringify(result),
          actor: spec.meta.actor,
        })
        .execute();
      return result;
    });
  try {
    return await attempt();
  } catch (error) {
    // Two callers raced with one key: the loser re-runs and finds the winner's result.
    if (isIdempotencyRace(error)) return attempt();
    throw error;
  }
}
