import type { Database, Tx } from '../db/database.js';
import type { CreditType, Hold, HoldStatus } from '../db/schema.js';
import type { LedgerDeps, OperationMeta } from './context.js';
import { fromUnits, getCreditType, toUnits } from './credit-types.js';
import { resolveCreditType, spendGroupKey } from './deduct.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { runLedgerOperation } from './ledger-transaction.js';

export interface HoldInput {
  accountId: string;
  creditType: string;
  amount: string;
  /** Seconds until the sweeper releases the hold; null: no TTL (a workflow owns the hold's lifetime). */
  ttlSeconds?: number | null | undefined;
  feature?: string | undefined;
  /** Who owns the hold, e.g. a consumption workflow id. */
  ownerRef?: string | undefined;
  /** The account's own user the hold is for (kept on the hold; its commit's burn is reported for that user). */
  userId?: string | undefined;
}

export interface HoldView {
  id: string;
  accountId: string;
  creditType: string;
  amount: string;
  status: HoldStatus;
  committedAmount: string | null;
  expiresAt: string | null;
  feature: string | null;
  ownerRef: string | null;
  transactionId: string;
  closedTransactionId: string | null;
  createdAt: string;
  closedAt: string | null;
}

export function holdView(creditType: CreditType, hold: Hold): HoldView {
  return {
    id: hold.id,
    accountId: hold.account_id,
    creditType: hold.credit_type,
    amount: fromUnits(creditType, hold.amount),
    status: hold.status,
    committedAmount: hold.committed_amount === null ? null : fromUnits(creditType, hold.committed_amount),
    expiresAt: hold.expires_at?.toISOString() ?? null,
    feature: hold.feature,
    ownerRef: hold.owner_ref,
    transactionId: hold.transaction_id,
    closedTransactionId: hold.closed_transaction_id,
    createdAt: hold.created_at.toISOString(),
    closedAt: hold.closed_at?.toISOString() ?? null,
  };
}

/**
 * Reserve (R-C2): moves credits from grants into a hold, in burn order, in one
 * call (ledger_hold). Holds never use the overdraft: a hold promises credits
 * that exist.
 */
export async function createHold(deps: LedgerDeps, input: HoldInput, meta: OperationMeta): Promise<HoldView> {
  const creditType = await resolveCreditType(deps, input.creditType);
  const amount = toUnits(creditType, input.amount, 'amount');
  const ttl = input.ttlSeconds === undefined ? deps.holdDefaultTtlSeconds : input.ttlSeconds;
  if (ttl !== null && (!Number.isInteger(ttl) || ttl <= 0 || ttl > deps.holdMaxTtlSeconds)) {
    throw new ValidationError('Invalid TTL', [
      { path: 'ttlSeconds', message: `must be a whole number of seconds from 1 to ${deps.holdMaxTtlSeconds}` },
    ]);
  }
  return runLedgerOperation<HoldView>(deps, {
    kind: 'hold',
    fields: {
      accountId: input.accountId,
      creditType: creditType.id,
      amount: amount.toString(),
      ttlSeconds: ttl,
      holdFeature: input.feature ?? meta.feature ?? null,
      ownerRef: input.ownerRef ?? null,
      userId: input.userId,
    },
    meta,
    request: input,
    groupKey: spendGroupKey(input.accountId, creditType.id),
  });
}

export async function findHold(db: Database | Tx, holdId: string): Promise<Hold> {
  const hold = await db.selectFrom('holds').selectAll().where('id', '=', holdId).executeTakeFirst();
  if (!hold) throw new NotFoundError('hold', holdId);
  return hold;
}

export async function getHold(db: Database, holdId: string): Promise<HoldView> {
  const hold = await findHold(db, holdId);
  return holdView(await getCreditType(db, hold.credit_type), hold);
}

/**
 * Closes a hold in one call (ledger_close_hold): burns `commitAmount` of it
 * and releases the rest. The rule for holds on grants that expire or are
 * voided while held (docs/ledger-design.md): the hold keeps its credits until
 * it is committed or released. What is committed burns normally. What is
 * released goes back to a grant that is no longer live and is at once expired
 * (or voided) by a further entry, so it is never spendable again.
 */
function closeHold(
  deps: LedgerDeps,
  holdId: string,
  /** For a commit: the amount to burn, undefined for all of it. Ignored otherwise. */
  commitAmount: string | undefined,
  closeAs: Exclude<HoldStatus, 'active'>,
  meta: OperationMeta,
): Promise<HoldView> {
  return runLedgerOperation<HoldView>(deps, {
    kind: closeAs === 'committed' ? 'commit' : 'release',
    fields: { holdId, closeAs, commitAmount },
    meta,
    request: { holdId, commitAmount },
  });
}

/** Commit (R-C2): burn the actual amount, at most what was held; the rest is released. */
export function commitHold(deps: LedgerDeps, holdId: string, amount: string | undefined, meta: OperationMeta) {
  return closeHold(deps, holdId, amount, 'committed', meta);
}

export function releaseHold(deps: LedgerDeps, holdId: string, meta: OperationMeta) {
  return closeHold(deps, holdId, undefined, 'released', meta);
}

/**
 * Releases active holds past their TTL (run by a Temporal Schedule). Each hold
 * is its own transaction; one that was committed or released meanwhile is
 * skipped. Returns how many were released.
 */
export async function sweepExpiredHolds(deps: LedgerDeps, limit: number, actor = 'system:hold-sweeper'): Promise<number> {
  const due = await deps.db
    .selectFrom('holds')
    .select('id')
    .where('status', '=', 'active')
    .where('expires_at', '<=', deps.clock())
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  let released = 0;
  for (const { id } of due) {
    try {
      await closeHold(deps, id, undefined, 'expired', { actor, reason: 'hold TTL elapsed' });
      released++;
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === 'hold_not_active')) throw error;
    }
  }
  return released;
}
