import type { LedgerDeps, OperationMeta } from './context.js';
import { getCreditType, toUnits } from './credit-types.js';
import { ConflictError } from '../errors.js';
import { findGrant, grantView, type GrantView } from './grants.js';
import { runLedgerOperation } from './ledger-transaction.js';
import { lockBalances } from './locks.js';
import { Posting } from './posting.js';

/**
 * Voids part of what remains of a grant (a partial money refund takes back
 * the matching credits). One `void` entry for `amount`; the grant stays active
 * with the rest, or is closed as voided when nothing remains. More than
 * remains is a conflict: burned credits are never voided.
 */
export async function voidGrantPartially(deps: LedgerDeps, grantId: string, amount: string, meta: OperationMeta): Promise<GrantView> {
  const found = await findGrant(deps.db, grantId);
  const creditType = await getCreditType(deps.db, found.credit_type);
  const units = toUnits(creditType, amount, 'amount');
  return runLedgerOperation(
    deps,
    { accountId: found.account_id, kind: 'void', creditType: creditType.id, meta, request: { grantId, amount } },
    async ({ tx, transactionId, now }) => {
      const balances = await lockBalances(tx, [{ accountId: found.account_id, creditType: found.credit_type }]);
      const grant = await findGrant(tx, grantId);
      if (grant.status !== 'active') {
        throw new ConflictError('grant_not_active', `Grant ${grantId} is already ${grant.status}`, { status: grant.status });
      }
      if (units > grant.remaining) {
        throw new ConflictError('void_exceeds_remaining', `Grant ${grantId} has less than ${amount} left to void`, {
          remaining: grantView(creditType, grant).remaining,
        });
      }
      const posting = new Posting(tx, balances, { transactionId, initiatorAccountId: grant.account_id, now, ...meta });
      if (units > 0n) posting.post('void', grant.account_id, grant.credit_type, units, { grant });
      if (grant.remaining === 0n) posting.closeGrant(grant, 'voided');
      await posting.flush();
      return grantView(creditType, grant);
    },
  );
}
