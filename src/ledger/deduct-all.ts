import type { LedgerDeps, OperationMeta } from './context.js';
import { toUnits } from './credit-types.js';
import { resolveCreditType, type DeductResult } from './deduct.js';
import { ValidationError } from '../errors.js';
import { runLedgerSequence } from './ledger-sequence.js';
import type { LedgerOperationSpec } from './ledger-transaction.js';

export interface DeductAllInput {
  accountId: string;
  /** One amount per credit type, each credit type at most once. */
  items: readonly { creditType: string; amount: string }[];
  metadata?: Record<string, string> | undefined;
  userId?: string | undefined;
}

export interface DeductAllResult {
  accountId: string;
  /** One deduct per credit type, in credit type order. */
  items: DeductResult[];
}

/**
 * The ledger key of each item: the request's own key for the first credit
 * type, the key and the credit type for the others. Every item carries the
 * whole request's hash, so a retry is checked against the first item's
 * record: the same request replays all of them, any other is refused.
 */
const itemKey = (key: string | undefined, creditType: string, index: number) =>
  key === undefined || index === 0 ? key : `${key}:${creditType}`;

/**
 * Several credit types in one deduct, all or nothing (issue 18). Each credit
 * type is its own deduct (its own ledger transaction, entries and refunds, as
 * a single deduct of it would be), all run in one database transaction by
 * ledger_execute_sequence in credit type order, so concurrent multi-type
 * deducts lock balances in one order. The first item that is short stops the
 * sequence; its refusal (402 naming its credit type) rolls the whole
 * transaction back: nothing of the request is written. Not group-committed:
 * the single-type path keeps its batches untouched.
 */
export async function deductAll(deps: LedgerDeps, input: DeductAllInput, meta: OperationMeta): Promise<DeductAllResult> {
  const resolved = await Promise.all(
    input.items.map(async (item, i) => {
      const creditType = await resolveCreditType(deps, item.creditType).catch(() => {
        throw new ValidationError('Unknown credit type', [
          { path: `items.${i}.creditType`, message: `credit type ${item.creditType} does not exist` },
        ]);
      });
      return { creditType, units: toUnits(creditType, item.amount, `items.${i}.amount`) };
    }),
  );
  const seen = new Set<string>();
  resolved.forEach(({ creditType }, i) => {
    if (seen.has(creditType.id)) {
      throw new ValidationError('Credit type twice', [{ path: `items.${i}.creditType`, message: 'each credit type at most once' }]);
    }
    seen.add(creditType.id);
  });
  resolved.sort((a, b) => (a.creditType.id < b.creditType.id ? -1 : 1));
  const specs = resolved.map(({ creditType, units }, i): LedgerOperationSpec => ({
    kind: 'deduct',
    fields: { accountId: input.accountId, creditType: creditType.id, amount: units.toString(), allowPartial: false, userId: input.userId },
    meta: { ...meta, idempotencyKey: itemKey(meta.idempotencyKey, creditType.id, i), httpIdempotency: undefined },
    request: input,
  }));
  const steps = await runLedgerSequence<DeductResult>(deps, specs, (_tx, ran) => {
    const last = ran[ran.length - 1];
    // Thrown inside the transaction: it rolls back the items deducted before it.
    if (last && !last.ok) throw last.error;
    return Promise.resolve();
  });
  const items = steps.map((step) => {
    if (!step.ok) throw step.error;
    return step.result;
  });
  return { accountId: input.accountId, items };
}
