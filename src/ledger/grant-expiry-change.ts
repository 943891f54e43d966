import type { LedgerDeps, OperationMeta } from './context.js';
import { getCreditType } from './credit-types.js';
import { ConflictError, ValidationError } from '../errors.js';
import { findGrant, grantView, type GrantView } from './grants.js';
import { runLedgerOperation } from './ledger-transaction.js';
import { lockBalances } from './locks.js';

export interface ExpiryChange {
  grant: GrantView;
  previousExpiresAt: string | null;
}

/**
 * Moves (or removes, with null) an active grant's expiry. Grant metadata, not a
 * money movement: no entry is written, but it runs as a ledger operation so it
 * is serialised with burns under the balance lock, idempotent by key, and seen
 * by observers (the audit log records it). The new expiry must lie after the
 * grant's effective time and in the future: to end a grant now, void it.
 */
export async function changeGrantExpiry(
  deps: LedgerDeps,
  grantId: string,
  expiresAt: Date | null,
  meta: OperationMeta,
): Promise<ExpiryChange> {
  const found = await findGrant(deps.db, grantId);
  const creditType = await getCreditType(deps.db, found.credit_type);
  return runLedgerOperation(
    deps,
    {
      accountId: found.account_id,
      kind: 'grant_expiry_change',
      creditType: creditType.id,
      meta,
      request: { grantId, expiresAt: expiresAt?.toISOString() ?? null },
    },
    async ({ tx, now }) => {
      await lockBalances(tx, [{ accountId: found.account_id, creditType: found.credit_type }]);
      const grant = await findGrant(tx, grantId);
      if (grant.status !== 'active') {
        throw new ConflictError('grant_not_active', `Grant ${grantId} is already ${grant.status}`, { grantStatus: grant.status });
      }
      if (grant.expires_at !== null && grant.expires_at <= now) {
        throw new ConflictError('grant_expiry_passed', `Grant ${grantId} reached its expiry at ${grant.expires_at.toISOString()}`, {
          expiresAt: grant.expires_at.toISOString(),
        });
      }
      if (expiresAt !== null && (expiresAt <= now || expiresAt <= grant.effective_at)) {
        throw new ValidationError('The new expiry must be in the future and after the grant becomes effective', [
          {
            path: 'expiresAt',
            message: `${expiresAt.toISOString()} is not after ${(now > grant.effective_at ? now : grant.effective_at).toISOString()}`,
          },
        ]);
      }
      const updated = await tx
        .updateTable('grants')
        .set({ expires_at: expiresAt })
        .where('account_id', '=', grant.account_id)
        .where('id', '=', grantId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { grant: grantView(creditType, updated), previousExpiresAt: grant.expires_at?.toISOString() ?? null };
    },
  );
}
