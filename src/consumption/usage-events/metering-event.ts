import type { Updateable } from 'kysely';
import type { UsageEvent, UsageEventTable } from '../../db/schema-consumption.js';
import { effectiveMode } from '../enforcement.js';
import { ratingSource, type Rating } from '../pricing/rate.js';
import { rateUsage, storedRating, type RatedAccount } from '../rating.js';
import type { ConsumptionDeps } from '../settings.js';
import { recordShadowEntry } from '../shadow.js';
import { deduct } from '../../observability/measured-ledger.js';
import type { DeductInput, OperationMeta } from '../../ledger/index.js';
import { DomainError, InsufficientCreditsError } from '../../errors.js';
import { closedPeriodAt, type ClosedPeriod } from './closed-periods.js';

export type Outcome = 'burned' | 'shadowed' | 'off' | 'awaiting_funds' | 'failed';

/** A rating as the usage event row keeps it. */
export function ratedFields(rating: Rating & { costUnits: bigint }) {
  return {
    rating: storedRating(rating),
    pricing_version: rating.pricingVersion,
    credit_type: rating.creditType,
    cost: rating.costUnits,
  };
}

/**
 * The deduct that burns one event: its ledger key is the event id, so an
 * event burns at most once whatever retries happen, and its entries carry the
 * event id; one by one or in a sequence, the same deduct.
 */
export function meteredDeduct(
  account: RatedAccount,
  event: UsageEvent,
  rating: Rating,
  closed: ClosedPeriod | null,
): { input: DeductInput; meta: OperationMeta } {
  return {
    input: {
      accountId: account.id,
      creditType: rating.creditType,
      amount: rating.cost,
      ...(event.user_id !== null && { userId: event.user_id }),
    },
    meta: {
      actor: 'system:metering',
      idempotencyKey: `usage-event:${event.id}`,
      feature: event.feature,
      usageEventId: event.id,
      reason:
        `usage event ${event.id}: ${event.feature} x ${rating.quantity} at ${ratingSource(rating)}` +
        (closed ? `; adjustment for closed period ${closed.periodStart.toISOString()}..${closed.periodEnd.toISOString()}` : ''),
    },
  };
}

/**
 * Burns one usage event (R-C4): rated with the pricing version in force at
 * the event's time (or the account's pinned one), then per the account's
 * enforcement mode: enforce deducts (the ledger allows the overdraft up to the
 * account's limit), shadow records a shadow entry, off records only the
 * rating. The ledger write's idempotency key is the event id, so an event
 * burns at most once whatever retries happen.
 *
 * Beyond the overdraft limit the policy is carry-forward: the event is not
 * burned (no partial burn) and waits as awaiting_funds, with the account's
 * later events behind it, until credits arrive; meanwhile the account is at
 * its limit, so deducts, holds and consumptions get 402 (soft-block).
 */
export async function burnEvent(deps: ConsumptionDeps, account: RatedAccount, event: UsageEvent): Promise<Outcome> {
  const { db } = deps.ledger;
  const now = deps.ledger.clock();
  const mode = effectiveMode(account, deps.settings);
  const base = { enforcement_mode: mode, processed_at: now, attempts: event.attempts + 1 };
  const update = (fields: Updateable<UsageEventTable>) =>
    db.updateTable('usage_events').set(fields).where('account_id', '=', event.account_id).where('id', '=', event.id).execute();
  let rating;
  try {
    rating = await rateUsage(db, deps.catalog, { account, feature: event.feature, quantity: event.quantity ?? '1', at: event.event_time });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await update({ ...base, status: 'failed', last_error: error.message });
    return 'failed';
  }
  const rated = { ...base, ...ratedFields(rating) };
  if (mode === 'off') {
    await update({ ...rated, status: 'off' });
    return 'off';
  }
  if (mode === 'shadow') {
    await recordShadowEntry(db, { accountId: account.id, source: 'usage_event', sourceId: event.id, step: 'burn', rating, now });
    await update({ ...rated, status: 'shadowed' });
    return 'shadowed';
  }
  const closed = await closedPeriodAt(db, event.event_time);
  let transactionId: string | null = null;
  if (rating.costUnits > 0n) {
    try {
      const { input, meta } = meteredDeduct(account, event, rating, closed);
      const result = await deduct(deps.ledger, input, meta);
      transactionId = result.transactionId;
    } catch (error) {
      if (error instanceof InsufficientCreditsError) {
        await update({ ...rated, status: 'awaiting_funds', last_error: error.message });
        return 'awaiting_funds';
      }
      if (error instanceof DomainError) {
        await update({ ...rated, status: 'failed', last_error: error.message });
        return 'failed';
      }
      throw error;
    }
  }
  await update({
    ...rated,
    status: 'burned',
    transaction_id: transactionId,
    closed_period_start: closed?.periodStart ?? null,
    last_error: null,
  });
  return 'burned';
}
