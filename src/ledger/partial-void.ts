import type { LedgerDeps, OperationMeta } from './context.js';
import type { GrantView } from './grants.js';
import { runLedgerOperation } from './ledger-transaction.js';

/**
 * Voids part of what remains of a grant (a partial money refund takes back
 * the matching credits), in one call (ledger_void_grant with an amount). One
 * `void` entry for `amount`; the grant stays active with the rest, or is
 * closed as voided when nothing remains. More than remains is a conflict:
 * burned credits are never voided.
 */
export function voidGrantPartially(deps: LedgerDeps, grantId: string, amount: string, meta: OperationMeta): Promise<GrantView> {
  return runLedgerOperation<GrantView>(deps, { kind: 'void', fields: { grantId, amount }, meta, request: { grantId, amount } });
}
