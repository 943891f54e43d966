import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { DomainError } from '../errors.js';
import type { LedgerDeps } from './context.js';
import { assertStorableText, type LedgerOp, type LedgerOutcome } from './ledger-call.js';
import { ledgerOpBuilder, observeInTransaction, observersOf, reportObserved, type LedgerOperationSpec } from './ledger-transaction.js';
import { refusalError } from './refusals.js';

/** What one operation of a sequence came to: its transaction (new or the first one's, replayed), or its refusal. */
export type SequenceStep<T> = { ok: true; transactionId: string; replayed: boolean; result: T } | { ok: false; error: DomainError };

/** Operations in order in one statement of the caller's transaction, stopping at the first refusal. */
async function executeLedgerSequence(tx: Tx, ops: readonly LedgerOp[]): Promise<LedgerOutcome[]> {
  const { rows } = await sql<{
    outcomes: LedgerOutcome[];
  }>`select ledger_execute_sequence(${JSON.stringify(ops)}::jsonb) as outcomes`.execute(tx);
  return rows[0]!.outcomes;
}

/**
 * Runs operations of one account as a queue in one transaction
 * (ledger_execute_sequence): one balance lock and one commit for all of
 * them, each its own ledger transaction (key, entries, result) exactly as if
 * it ran alone, in the order given; nothing after the first refusal runs.
 * Returns a step for each operation that ran, the last one the refusal if
 * there was one. `within` runs in the same transaction once the steps are
 * known (the caller's own rows that must commit with the entries). Transaction
 * observers run inside, SQL observers are told after the commit.
 * Serialization failures and deadlocks re-run the whole transaction; any
 * other failure rolls all of it back and is thrown.
 */
export async function runLedgerSequence<T>(
  deps: LedgerDeps,
  specs: readonly LedgerOperationSpec[],
  within?: (tx: Tx, steps: SequenceStep<T>[]) => Promise<void>,
): Promise<SequenceStep<T>[]> {
  const { sqlObservers, txObservers } = observersOf(deps);
  const builders = specs.map((spec) => ledgerOpBuilder(deps, spec));
  for (const build of builders) assertStorableText(build());
  const { steps, outcomes } = await inTransaction(deps.db, async (tx) => {
    const ops = builders.map((build) => build());
    const outcomes = ops.length === 0 ? [] : await executeLedgerSequence(tx, ops);
    const steps = outcomes.map((outcome): SequenceStep<T> => {
      if ('error' in outcome) return { ok: false, error: refusalError(outcome.error) };
      if ('httpReplay' in outcome) throw new Error('a ledger sequence carries no HTTP Idempotency-Key record');
      return { ok: true, transactionId: outcome.transactionId, replayed: outcome.replayed, result: outcome.result as T };
    });
    for (const [i, outcome] of outcomes.entries()) await observeInTransaction(tx, txObservers, ops[i]!, outcome);
    await within?.(tx, steps);
    return { steps, outcomes };
  });
  outcomes.forEach((outcome, i) => reportObserved(sqlObservers, specs[i]!.kind, outcome));
  return steps;
}
