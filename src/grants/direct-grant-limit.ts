import type { Database } from '../db/database.js';
import { fromUnits, getCreditType, toUnits } from '../ledger/index.js';
import { ForbiddenError } from '../errors.js';
import { approvalLimit } from './approvals.js';

/**
 * The generic grant route is for admin and service keys. A key whose only
 * write scope there is `support` may use it up to the support approval limit
 * (config GRANT_APPROVAL_LIMITS); above it the grant must go through
 * POST /v1/accounts/{id}/support-grants, which asks for approval. Without a
 * support limit configured, every such grant goes there.
 */
export async function refuseSupportGrantAboveLimit(
  db: Database,
  scopes: ReadonlySet<string>,
  limits: Record<string, string>,
  grant: { accountId: string; creditType: string; amount: string; source?: string; costBasis?: unknown },
): Promise<void> {
  if (!scopes.has('support') || scopes.has('admin') || scopes.has('service')) return;
  // Money-backed grants feed revenue recognition: only payments (service) and
  // admins book them. Support gives credits away, at zero cost basis.
  if (grant.costBasis !== undefined || grant.source === 'purchase' || grant.source === 'refund') {
    throw new ForbiddenError('A support key may only issue promo, support, trial, plan or rollover credits, without a cost basis.');
  }
  // An unknown credit type or a malformed amount is the ledger's 400, given by issueGrant.
  const creditType = await getCreditType(db, grant.creditType).catch(() => null);
  if (creditType === null) return;
  const units = toUnits(creditType, grant.amount, 'amount');
  const limit = approvalLimit(['support'], limits, creditType.precision);
  if (limit !== null && units <= limit) return;
  const allowed = limit === null ? 'no grants here' : `grants of at most ${fromUnits(creditType, limit)} ${creditType.id} here`;
  throw new ForbiddenError(
    `A support key may issue ${allowed}; a larger grant needs approval: use POST /v1/accounts/${grant.accountId}/support-grants with a reason code and reason.`,
  );
}
