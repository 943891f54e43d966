import type { Tx } from '../db/database.js';
import type { LedgerDeps, LedgerSqlObserver, OperationMeta } from './context.js';
import { grantOpFields, type GrantInput } from './grants.js';
import { assertStorableText, executeLedgerBatch, type LedgerOp, type LedgerOutcome } from './ledger-call.js';
import { requestHash } from './ledger-transaction.js';

export interface BatchedGrant {
  input: GrantInput;
  meta: OperationMeta;
  /** Hashed to tell a retry of this grant (same idempotency key) from a different one. */
  request: unknown;
  /** SQL observers of this grant alone (its audit record), after the ledger's own. */
  observers?: readonly LedgerSqlObserver[];
}

const isSqlObserver = (o: unknown): o is LedgerSqlObserver => typeof o === 'object' && o !== null && 'sqlFunction' in o;

/**
 * Issues many grants in one statement (ledger_execute_batch) inside the
 * caller's transaction, so they commit with whatever else the caller writes
 * (a bulk import's row statuses): each grant is its own ledger transaction,
 * with its own idempotency key, entries, hash-chain links, refusal and
 * observers, exactly as issueGrant writes it. Only SQL observers run
 * (transaction observers need a round trip per operation).
 * An outcome per grant, in order; a refusal comes back as {error}, with
 * nothing of that grant written.
 */
export async function issueGrantBatch(
  deps: LedgerDeps,
  tx: Tx,
  grants: readonly BatchedGrant[],
  /** areaObservers false: the areas' observers (balance alerts, recharge checks, …) are not told; only each grant's own run. */
  options: { areaObservers: boolean },
): Promise<LedgerOutcome[]> {
  if (grants.length === 0) return [];
  const shared = (deps.observers ?? []).filter(isSqlObserver);
  const now = deps.clock().toISOString();
  const ops: LedgerOp[] = [];
  for (const grant of grants) {
    const op: LedgerOp = {
      kind: 'grant',
      // Credit types are read through the pool's cache (they never change), not once per grant in the transaction.
      ...(await grantOpFields(deps.db, grant.input)),
      idempotencyKey: grant.meta.idempotencyKey,
      requestHash: requestHash(grant.request),
      actor: grant.meta.actor,
      reason: grant.meta.reason,
      now,
      observers: [...(options.areaObservers ? shared : []), ...(grant.observers ?? [])].map((o) => ({
        fn: o.sqlFunction,
        args: o.args ?? null,
      })),
    };
    assertStorableText(op);
    ops.push(op);
  }
  return executeLedgerBatch(tx, ops);
}
