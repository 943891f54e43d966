import type { LedgerDeps, OperationMeta } from './context.js';
import { runLedgerOperation } from './ledger-transaction.js';

export interface RefundInput {
  accountId: string;
  transactionId: string;
  /** Default: everything of that burn not refunded yet. */
  amount?: string | undefined;
}

export interface RefundResult {
  transactionId: string;
  refundOf: string;
  accountId: string;
  creditType: string;
  refunded: string;
  /** Still refundable of the original burn after this refund. */
  remainingRefundable: string;
}

/**
 * Refund (R-G8), in one call (ledger_refund): returns credits of a burn, or
 * part of it, to the grants they came from, newest burn entry first. Where
 * that grant has expired or been voided, the credits go to a new refund grant
 * instead, so nothing returns into a dead grant. Never more than was burned,
 * across all refunds of it.
 */
export function refundBurn(deps: LedgerDeps, input: RefundInput, meta: OperationMeta): Promise<RefundResult> {
  return runLedgerOperation<RefundResult>(deps, {
    kind: 'refund',
    fields: { accountId: input.accountId, transactionId: input.transactionId, amount: input.amount },
    meta,
    request: input,
  });
}
