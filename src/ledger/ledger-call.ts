import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import { ValidationError, type FieldError } from '../errors.js';

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

/**
 * A lone UTF-16 surrogate (JSON.stringify writes it as \\udc00, which
 * PostgreSQL's json refuses) or a NUL (PostgreSQL text cannot hold one).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string) => LONE_SURROGATE.test(text) || text.includes('\u0000');

/** Op fields named as the caller named them. */
const FIELD_NAMES: Record<string, string> = { holdFeature: 'feature' };

function unstorableText(value: unknown, path: string, errors: FieldError[]): void {
  const at = (key: string) => (path === '' ? (FIELD_NAMES[key] ?? key) : `${path}.${key}`);
  if (typeof value === 'string') {
    if (unstorable(value)) {
      errors.push({
        path,
        code: 'invalid_text',
        message: 'must be well-formed Unicode text without NUL (a lone surrogate cannot be stored)',
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unstorableText(item, at(String(i)), errors));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (unstorable(key)) {
        errors.push({ path: at(key), code: 'invalid_text', message: 'a key must be well-formed Unicode text without NUL' });
      }
      unstorableText(inner, at(key), errors);
    }
  }
}

/**
 * Refuses an operation with text the database cannot store, before anything
 * is sent: a field error naming each such field (for a batch, only the
 * operation that carries it is refused).
 */
export function assertStorableText(op: LedgerOp): void {
  const errors: FieldError[] = [];
  unstorableText(op, '', errors);
  if (errors.length > 0) throw new ValidationError('Text that cannot be stored', errors);
}

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
