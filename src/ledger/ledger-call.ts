import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import { ValidationError } from '../errors.js';

/**
 * One ledger operation as the SQL function ledger_execute takes it
 * (migrations/2026-11-29T000600_ledger_sql_execute.ts): the kind, its own
 * fields, and who, when, which key, which observers. Amounts are int8 as
 * decimal strings, times ISO strings.
 */
export interface LedgerOp {
  kind: string;
  accountId?: string;
  creditType?: string;
  idempotencyKey?: string;
  requestHash: string;
  actor: string;
  reason?: string;
  feature?: string;
  usageEventId?: string;
  now: string;
  observers?: { fn: string; args: unknown }[];
  http?: unknown;
  [field: string]: unknown;
}

export interface LedgerRefusal {
  code: string;
  message: string | null;
  details: Record<string, unknown> | null;
}

/**
 * What ledger_execute answers: a refusal (nothing written), the stored
 * response of the HTTP request it serves, a replay of the first result, or a
 * new transaction.
 */
export type LedgerOutcome =
  | { error: LedgerRefusal }
  | { httpReplay: { status: number; body: string | null } }
  | { replayed: true; transactionId: string; accountId: string; creditType: string; result: unknown }
  | {
      replayed: false;
      transactionId: string;
      accountId: string;
      creditType: string;
      result: unknown;
      observed: unknown[];
    };

/** One operation, one statement: autocommitted on its own, or part of the caller's transaction. */
export async function executeLedgerOp(db: Database | Tx, op: LedgerOp): Promise<LedgerOutcome> {
  const { rows } = await sql<{ outcome: LedgerOutcome }>`select ledger_execute(${JSON.stringify(op)}::jsonb) as outcome`.execute(db);
  return rows[0]!.outcome;
}

/** Several operations in one statement, one transaction: an outcome each, in order. */
export async function executeLedgerBatch(db: Database, ops: readonly LedgerOp[]): Promise<LedgerOutcome[]> {
  const { rows } = await sql<{ outcomes: LedgerOutcome[] }>`select ledger_execute_batch(${JSON.stringify(ops)}::jsonb) as outcomes`.execute(
    db,
  );
  return rows[0]!.outcomes;
}

/** Two callers raced with one ledger key past the advisory lock: the loser runs again and finds the winner's result. */
export function isIdempotencyRace(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: string }).code === '23505' &&
    (error as { constraint?: string }).constraint === 'ledger_transactions_idem_uq'
  );
}

/**
 * Balances and lifetime totals are int8: an operation whose posting would take
 * one past the largest int8 (ledger_post's arithmetic overflows, the whole
 * statement rolls back, nothing is written) is refused as a field error on the
 * amount, not a server error. The decisions themselves are computed in numeric
 * and never overflow.
 */
export function amountOverflowError(error: unknown): ValidationError | undefined {
  const e = error as { code?: unknown; where?: unknown } | null;
  if (typeof e !== 'object' || e === null || e.code !== '22003' || typeof e.where !== 'string' || !e.where.includes('ledger_post(')) {
    return undefined;
  }
  return new ValidationError('Amount too large', [
    {
      path: 'amount',
      code: 'out_of_range',
      message: 'would take a balance or lifetime total of the account past the largest amount the ledger holds (9223372036854775807 units)',
    },
  ]);
}
