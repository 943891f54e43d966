import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import type { CreditType } from '../db/schema.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { getCreditType, toUnits } from './credit-types.js';
import { ValidationError } from '../errors.js';
import { runLedgerOperation, type LedgerOperationSpec } from './ledger-transaction.js';
import { runLedgerSequence, type SequenceStep } from './ledger-sequence.js';

export interface DeductInput {
  accountId: string;
  creditType: string;
  amount: string;
  /** Burn what is there when it is less than asked (R-L10); default all-or-nothing. */
  allowPartial?: boolean | undefined;
  metadata?: Record<string, string> | undefined;
  /** The account's own user this is for (kept on the ledger transaction, reported per user). */
  userId?: string | undefined;
}

export interface DeductResult {
  transactionId: string;
  accountId: string;
  creditType: string;
  requested: string;
  deducted: string;
  /** What the account (with its pool) can still spend, after this deduct. */
  balance: { available: string; overdraftUsed: string };
}

/** Σ remaining of the spendable grants of the given accounts at `now` (ledger_spendable_grants: the one definition). */
export async function spendableTotal(db: Tx | Database, accountIds: readonly string[], creditType: string, now: Date): Promise<bigint> {
  const { rows } = await sql<{ total: bigint }>`
    select coalesce(sum(remaining), 0)::int8 as total from ledger_spendable_grants(${[...accountIds]}::text[], ${creditType}, ${now})`.execute(
    db,
  );
  return rows[0]!.total;
}

export async function resolveCreditType(deps: LedgerDeps, id: string): Promise<CreditType> {
  return getCreditType(deps.db, id).catch(() => {
    throw new ValidationError('Unknown credit type', [{ path: 'creditType', message: `credit type ${id} does not exist` }]);
  });
}

/** Deducts and holds of one account and credit type may share a group-committed transaction. */
export const spendGroupKey = (accountId: string, creditType: string): string => `${accountId}\u0000${creditType}`;

/** A deduct as runLedgerOperation takes it: the same fields and request hash however it is run. */
async function deductSpec(deps: LedgerDeps, input: DeductInput, meta: OperationMeta): Promise<LedgerOperationSpec> {
  const creditType = await resolveCreditType(deps, input.creditType);
  const requested = toUnits(creditType, input.amount, 'amount');
  return {
    kind: 'deduct',
    fields: {
      accountId: input.accountId,
      creditType: creditType.id,
      amount: requested.toString(),
      allowPartial: input.allowPartial ?? false,
      userId: input.userId,
    },
    meta,
    request: input,
    groupKey: spendGroupKey(input.accountId, creditType.id),
  };
}

/**
 * Synchronous deduct (R-C1): validate, burn in burn order, confirm, in one
 * call under the balance locks of the account and its pool parents
 * (ledger_deduct). Beyond the grants it may run into the account's overdraft
 * limit; past that, all-or-nothing gives 402, allowPartial burns what can be
 * burned.
 */
export async function deduct(deps: LedgerDeps, input: DeductInput, meta: OperationMeta): Promise<DeductResult> {
  return runLedgerOperation<DeductResult>(deps, await deductSpec(deps, input, meta));
}

/**
 * Deducts of one account burned as a queue in one transaction
 * (runLedgerSequence): each exactly the deduct it would be alone (its key,
 * entries and result), in the order given, none after the first refusal.
 * Metering burns an account's due usage events with it.
 */
export async function deductInSequence(
  deps: LedgerDeps,
  deducts: readonly { input: DeductInput; meta: OperationMeta }[],
  within?: (tx: Tx, steps: SequenceStep<DeductResult>[]) => Promise<void>,
): Promise<SequenceStep<DeductResult>[]> {
  const specs = await Promise.all(deducts.map(({ input, meta }) => deductSpec(deps, input, meta)));
  return runLedgerSequence<DeductResult>(deps, specs, within);
}
