import type { UsageEvent } from '../../db/schema-consumption.js';
import { effectiveMode } from '../enforcement.js';
import { ratingSource } from '../pricing/rate.js';
import { loadAccount, rateUsage, storedRating, type RatedAccount } from '../rating.js';
import type { ConsumptionDeps } from '../settings.js';
import { recordShadowEntry } from '../shadow.js';
import { deduct } from '../../observability/measured-ledger.js';
import { DomainError, InsufficientCreditsError } from '../../errors.js';
import { closedPeriodAt } from './closed-periods.js';

export interface MeteringResult {
  /** Pending events this batch looked at: fewer than the limit means the backlog is drained. */
  pendingSeen: number;
  processed: number;
  burned: number;
  shadowed: number;
  off: number;
  awaitingFunds: number;
  failed: number;
}

/** Accounts burned at the same time in one batch (each account's own events stay sequential). */
const ACCOUNT_CONCURRENCY = 8;

type Outcome = 'burned' | 'shadowed' | 'off' | 'awaiting_funds' | 'failed';

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
async function burnEvent(deps: ConsumptionDeps, account: RatedAccount, event: UsageEvent): Promise<Outcome> {
  const { db } = deps.ledger;
  const now = deps.ledger.clock();
  const mode = effectiveMode(account, deps.settings);
  const base = { enforcement_mode: mode, processed_at: now, attempts: event.attempts + 1 };
  let rating;
  try {
    rating = await rateUsage(db, deps.catalog, { account, feature: event.feature, quantity: event.quantity ?? '1', at: event.event_time });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await db
      .updateTable('usage_events')
      .set({ ...base, status: 'failed', last_error: error.message })
      .where('account_id', '=', event.account_id)
      .where('id', '=', event.id)
      .execute();
    return 'failed';
  }
  const rated = {
    ...base,
    rating: storedRating(rating),
    pricing_version: rating.pricingVersion,
    credit_type: rating.creditType,
    cost: rating.costUnits,
  };
  if (mode === 'off') {
    await db
      .updateTable('usage_events')
      .set({ ...rated, status: 'off' })
      .where('account_id', '=', event.account_id)
      .where('id', '=', event.id)
      .execute();
    return 'off';
  }
  if (mode === 'shadow') {
    await recordShadowEntry(db, { accountId: account.id, source: 'usage_event', sourceId: event.id, step: 'burn', rating, now });
    await db
      .updateTable('usage_events')
      .set({ ...rated, status: 'shadowed' })
      .where('account_id', '=', event.account_id)
      .where('id', '=', event.id)
      .execute();
    return 'shadowed';
  }
  const closed = await closedPeriodAt(db, event.event_time);
  let transactionId: string | null = null;
  if (rating.costUnits > 0n) {
    try {
      const result = await deduct(
        deps.ledger,
        { accountId: account.id, creditType: rating.creditType, amount: rating.cost },
        {
          actor: 'system:metering',
          idempotencyKey: `usage-event:${event.id}`,
          feature: event.feature,
          usageEventId: event.id,
          reason:
            `usage event ${event.id}: ${event.feature} x ${rating.quantity} at ${ratingSource(rating)}` +
            (closed ? `; adjustment for closed period ${closed.periodStart.toISOString()}..${closed.periodEnd.toISOString()}` : ''),
        },
      );
      transactionId = result.transactionId;
    } catch (error) {
      if (error instanceof InsufficientCreditsError) {
        await db
          .updateTable('usage_events')
          .set({ ...rated, status: 'awaiting_funds', last_error: error.message })
          .where('account_id', '=', event.account_id)
          .where('id', '=', event.id)
          .execute();
        return 'awaiting_funds';
      }
      if (error instanceof DomainError) {
        await db
          .updateTable('usage_events')
          .set({ ...rated, status: 'failed', last_error: error.message })
          .where('account_id', '=', event.account_id)
          .where('id', '=', event.id)
          .execute();
        return 'failed';
      }
      throw error;
    }
  }
  await db
    .updateTable('usage_events')
    .set({ ...rated, status: 'burned', transaction_id: transactionId, closed_period_start: closed?.periodStart ?? null, last_error: null })
    .where('account_id', '=', event.account_id)
    .where('id', '=', event.id)
    .execute();
  return 'burned';
}

/**
 * One metering batch: first the accounts that were waiting for funds (their
 * waiting events in event-time order, stopping at the first that still cannot
 * burn), then up to `limit` pending events in event-time order. An account
 * still waiting keeps its later events waiting behind the first, so an
 * account's events always burn in event-time order.
 */
export async function burnPendingEvents(deps: ConsumptionDeps, limit: number): Promise<MeteringResult> {
  const { db } = deps.ledger;
  const result: MeteringResult = { pendingSeen: 0, processed: 0, burned: 0, shadowed: 0, off: 0, awaitingFunds: 0, failed: 0 };
  const count = (outcome: Outcome) => {
    result.processed++;
    if (outcome === 'burned') result.burned++;
    else if (outcome === 'shadowed') result.shadowed++;
    else if (outcome === 'off') result.off++;
    else if (outcome === 'awaiting_funds') result.awaitingFunds++;
    else result.failed++;
  };
  const blocked = new Set<string>();
  const accounts = new Map<string, RatedAccount>();
  const accountOf = async (id: string) => accounts.get(id) ?? accounts.set(id, await loadAccount(db, id)).get(id)!;

  const waiting = await db
    .selectFrom('usage_events')
    .selectAll()
    .where('status', '=', 'awaiting_funds')
    .orderBy('event_time')
    .orderBy('id')
    .limit(limit)
    .execute();
  for (const event of waiting) {
    if (blocked.has(event.account_id)) continue;
    const outcome = await burnEvent(deps, await accountOf(event.account_id), event);
    if (outcome === 'awaiting_funds') blocked.add(event.account_id);
    count(outcome);
  }
  // Accounts with waiting events beyond this batch's look stay blocked too.
  const stillWaiting = await db.selectFrom('usage_events').select('account_id').distinct().where('status', '=', 'awaiting_funds').execute();
  for (const { account_id } of stillWaiting) blocked.add(account_id);

  const pending = await db
    .selectFrom('usage_events')
    .selectAll()
    .where('status', '=', 'pending')
    .orderBy('event_time')
    .orderBy('id')
    .limit(limit)
    .execute();
  result.pendingSeen = pending.length;
  // Accounts are independent: their queues burn concurrently, each in event-time order.
  const queues = new Map<string, UsageEvent[]>();
  for (const event of pending) {
    const queue = queues.get(event.account_id);
    if (queue) queue.push(event);
    else queues.set(event.account_id, [event]);
  }
  const burnQueue = async (accountId: string, events: UsageEvent[]) => {
    for (const event of events) {
      if (blocked.has(accountId)) {
        await db
          .updateTable('usage_events')
          .set({ status: 'awaiting_funds', last_error: 'an earlier event of this account is waiting for funds' })
          .where('account_id', '=', event.account_id)
          .where('id', '=', event.id)
          .execute();
        count('awaiting_funds');
        continue;
      }
      const outcome = await burnEvent(deps, await accountOf(accountId), event);
      if (outcome === 'awaiting_funds') blocked.add(accountId);
      count(outcome);
    }
  };
  const entries = [...queues.entries()];
  const workers = Array.from({ length: Math.min(ACCOUNT_CONCURRENCY, entries.length) }, async () => {
    for (let next = entries.shift(); next; next = entries.shift()) await burnQueue(...next);
  });
  await Promise.all(workers);
  return result;
}
