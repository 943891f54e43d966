import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Purchase } from '../db/schema-payments.js';
import { divideRounded } from '../money/amount.js';

/**
 * Refund policy (R-G8), in one place:
 *
 * - A money refund takes back the matching share of the purchased credits,
 *   rounded UP: credits = ceil(credits × refunded / amount). Only credits that
 *   are still unburned can be taken back (a void of the grant's remainder).
 * - Credits already burned stay burned: the ledger never un-burns. What could
 *   not be taken back is reported as `unrecoveredCredits` in the
 *   purchase.refunded outbox event, for finance to settle (e.g. against
 *   the next invoice or as a write-off).
 * - Our own refund endpoint refunds only the unburned share: it voids what
 *   remains of the grant, then refunds money = floor(amount × voided / credits),
 *   rounded DOWN, so money is never returned for credits that were used.
 */
export function creditsForRefund(purchase: Pick<Purchase, 'credits' | 'amount_minor'>, refundedMinor: bigint): bigint {
  return divideRounded(purchase.credits * refundedMinor, purchase.amount_minor, 'up');
}

export function moneyForCredits(purchase: Pick<Purchase, 'credits' | 'amount_minor'>, credits: bigint): bigint {
  return divideRounded(purchase.amount_minor * credits, purchase.credits, 'down');
}

/** Credits of a grant already taken back by void entries (the ledger is the record). */
export async function voidedOnGrant(db: Database, accountId: string, grantId: string): Promise<bigint> {
  const row = await db
    .selectFrom('ledger_entries')
    .select(sql<bigint>`coalesce(sum(amount), 0)::int8`.as('total'))
    .where('account_id', '=', accountId)
    .where('grant_id', '=', grantId)
    .where('entry_type', '=', 'void')
    .executeTakeFirstOrThrow();
  return row.total;
}
