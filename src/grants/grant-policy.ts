import { sql } from 'kysely';
import type { Database, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { ForbiddenError } from '../errors.js';
import { getCreditType, toUnits, type LedgerDeps } from '../ledger/index.js';
import { approvalLimit } from './approvals.js';

const DAY_MS = 86_400_000;

/**
 * Function-level limits of grants (issue 14, finding 7), beside the
 * per-grant approval limit:
 *
 * - Money-backed grants (source purchase or refund, or any cost basis) feed
 *   revenue recognition: only `payments` and `admin` keys book them (the
 *   Stripe flow books its own, not through this check).
 * - A rolling daily cap per person and account (GRANT_DAILY_LIMITS, per
 *   scope, the highest of the key's scopes): splitting a large grant into
 *   many below the approval limit does not get around approval.
 */
export function refuseMoneyBackedGrant(scopes: ReadonlySet<string>, grant: { source?: string; costBasis?: unknown }): void {
  const moneyBacked = grant.costBasis !== undefined || grant.source === 'purchase' || grant.source === 'refund';
  if (moneyBacked && !scopes.has('payments') && !scopes.has('admin')) {
    throw new ForbiddenError('Money-backed grants (source purchase or refund, or a cost basis) need the payments or admin scope.');
  }
}

/**
 * Whether this grant keeps the person within their rolling 24-hour cap on
 * this account: the credits they granted it in the last 24 hours (ledger
 * time) plus this one. True when none of their scopes has a daily cap.
 */
export async function withinDailyCap(
  db: Database | Tx,
  now: Date,
  who: { actor: string; scopes: Iterable<string> },
  grant: { accountId: string; creditType: string; amount: string },
  caps: Record<string, string>,
): Promise<boolean> {
  const creditType = await getCreditType(db, grant.creditType).catch(() => null);
  if (creditType === null) return true; // the ledger answers the unknown credit type
  const cap = approvalLimit(who.scopes, caps, creditType.precision);
  if (cap === null) return true;
  const { total } = await db
    .selectFrom('grants')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), eb.val('0')).as('total'))
    .where('account_id', '=', grant.accountId)
    .where('credit_type', '=', grant.creditType)
    .where('issued_by', '=', who.actor)
    .where('created_at', '>', new Date(now.getTime() - DAY_MS))
    .executeTakeFirstOrThrow();
  return BigInt(total) + toUnits(creditType, grant.amount, 'amount') <= cap;
}

/** Keys that can grant without any cap: admins and services (money flows, plans). */
export const uncapped = (scopes: ReadonlySet<string>) => scopes.has('admin') || scopes.has('service') || scopes.has('payments');

/**
 * Runs a grant with its daily-cap check: for a capped person, the check and
 * the grant share one transaction under a lock per person, account and credit
 * type, so two concurrent grants cannot both pass the check against the same
 * total (the second waits, then counts the first). `issue` gets the ledger to
 * issue through (bound to that transaction) and whether the grant is within
 * the cap; uncapped keys run as before, without the lock.
 */
export async function withDailyCap<T>(
  ledger: LedgerDeps,
  who: { actor: string; scopes: ReadonlySet<string> },
  grant: { accountId: string; creditType: string; amount: string },
  caps: Record<string, string>,
  issue: (ledger: LedgerDeps, withinCap: boolean) => Promise<T>,
): Promise<T> {
  if (uncapped(who.scopes)) return issue(ledger, true);
  return inTransaction(ledger.db, async (tx) => {
    const key = `${who.actor}/${grant.accountId}/${grant.creditType}`; // a lock key, not an identity: collisions only serialize
    await sql`select pg_advisory_xact_lock(hashtext('grant_daily_cap'), hashtext(${key}))`.execute(tx);
    return issue({ ...ledger, db: tx }, await withinDailyCap(tx, ledger.clock(), who, grant, caps));
  });
}

/** Account settings that decide how far an account may go below zero, or whether it is enforced at all: admin only. */
export function refuseRiskChange(scopes: ReadonlySet<string>, patch: { overdraftLimit?: unknown; enforcementMode?: unknown }): void {
  if (scopes.has('admin')) return;
  const fields = (['overdraftLimit', 'enforcementMode'] as const).filter((f) => patch[f] !== undefined);
  if (fields.length) throw new ForbiddenError(`Changing ${fields.join(' and ')} needs the admin scope.`);
}

/** Moving an expiry later (or removing it) gives credits away: admin only; bringing it forward is any granter's. */
export function refuseExpiryExtension(scopes: ReadonlySet<string>, current: string | null, next: Date | null): void {
  if (scopes.has('admin')) return;
  const extends_ = next === null ? current !== null : current !== null && next.getTime() > Date.parse(current);
  if (extends_) throw new ForbiddenError('Extending or removing a grant’s expiry needs the admin scope.');
}
