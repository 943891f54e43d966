import { sql } from 'kysely';
import type { Tx } from '../../db/database.js';
import type { UsageEvent } from '../../db/schema-consumption.js';
import { DomainError, InsufficientCreditsError } from '../../errors.js';
import type { DeductResult, SequenceStep } from '../../ledger/index.js';
import { deductInSequence } from '../../observability/measured-ledger.js';
import { effectiveMode } from '../enforcement.js';
import type { Rating } from '../pricing/rate.js';
import { rateUsage, type RatedAccount } from '../rating.js';
import type { ConsumptionDeps } from '../settings.js';
import type { ClosedPeriod } from './closed-periods.js';
import { burnEvent, meteredDeduct, ratedFields, type Outcome } from './metering-event.js';

/** An event rated (or refused by its rating) before anything is written. */
interface Planned {
  event: UsageEvent;
  rating?: Rating & { costUnits: bigint };
  ratingError?: string;
  closed: ClosedPeriod | null;
}

/** What one event's row becomes. */
interface Decision {
  planned: Planned;
  status: 'burned' | 'awaiting_funds' | 'failed';
  transactionId: string | null;
  error: string | null;
}

/** Events one after another (burnEvent), stopping at the first that waits for funds: shadow and off, and the fallback. */
async function burnOneByOne(deps: ConsumptionDeps, account: RatedAccount, events: readonly UsageEvent[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const event of events) {
    const outcome = await burnEvent(deps, account, event);
    outcomes.push(outcome);
    if (outcome === 'awaiting_funds') break;
  }
  return outcomes;
}

/**
 * One account's due events, burned in event-time order (R-C4), stopping at
 * the first that must wait for funds: the outcomes of the events decided, in
 * order; the events after a wait are left as they are.
 *
 * In enforce mode every event is rated in memory first, then all of the
 * account's deducts run as one sequence in one transaction
 * (deductInSequence: one balance lock, one commit), each still its own ledger
 * transaction keyed by its event id with entries naming the event, and the
 * events' rows are written in that same transaction with one statement. A
 * refusal other than insufficient credits fails that event and the rest go on
 * in the next sequence, as they do one by one. Should the sequence fail
 * (anything but a refusal), the events burn one by one instead: each deduct's
 * key is its event id, so whatever the failed attempt committed is replayed,
 * never burned twice.
 */
export async function burnAccountEvents(
  deps: ConsumptionDeps,
  account: RatedAccount,
  events: readonly UsageEvent[],
  closedPeriodAt: (at: Date) => ClosedPeriod | null,
): Promise<Outcome[]> {
  if (events.length === 0) return [];
  if (effectiveMode(account, deps.settings) !== 'enforce') return burnOneByOne(deps, account, events);
  const planned = await Promise.all(events.map((event) => plan(deps, account, event, closedPeriodAt(event.event_time))));
  const outcomes: Outcome[] = [];
  try {
    for (let rest = planned; rest.length > 0;) {
      const decisions = await burnInOneTransaction(deps, account, rest);
      // The first event is always decided (its rating failed, it costs nothing, or its deduct ran).
      if (decisions.length === 0) throw new Error('a metering sequence decided no event');
      outcomes.push(...decisions.map((d) => d.status));
      if (decisions.at(-1)?.status === 'awaiting_funds') break;
      rest = rest.slice(decisions.length);
    }
  } catch (error) {
    if (error instanceof DomainError || isDatabaseRefusal(error)) {
      return [...outcomes, ...(await burnOneByOne(deps, account, events.slice(outcomes.length)))];
    }
    throw error;
  }
  return outcomes;
}

/** A statement the server refused (an SQLSTATE outside connection loss): the one-by-one path gives each event its own answer. */
function isDatabaseRefusal(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !/^57P0[123]$/.test(code);
}

async function plan(deps: ConsumptionDeps, account: RatedAccount, event: UsageEvent, closed: ClosedPeriod | null): Promise<Planned> {
  try {
    const rating = await rateUsage(deps.ledger.db, deps.catalog, {
      account,
      feature: event.feature,
      quantity: event.quantity ?? '1',
      at: event.event_time,
    });
    return { event, rating, closed };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { event, ratingError: error.message, closed };
  }
}

/**
 * One transaction: the deducts of the planned events in order, up to the
 * first refusal, and the rows of the events decided. Returns the decisions,
 * in order; the last is the refused event's when there was a refusal.
 */
async function burnInOneTransaction(deps: ConsumptionDeps, account: RatedAccount, planned: readonly Planned[]): Promise<Decision[]> {
  const charged = planned.filter((p) => p.rating !== undefined && p.rating.costUnits > 0n);
  const deducts = charged.map((p) => meteredDeduct(account, p.event, p.rating!, p.closed));
  let decisions: Decision[] = [];
  await deductInSequence(deps.ledger, deducts, async (tx, steps) => {
    decisions = decide(planned, charged, steps);
    await writeDecisions(tx, account.id, decisions, deps.ledger.clock());
  });
  return decisions;
}

/** Walks the events in order beside the sequence's steps: what each event that was reached became. */
function decide(planned: readonly Planned[], charged: readonly Planned[], steps: readonly SequenceStep<DeductResult>[]): Decision[] {
  const decisions: Decision[] = [];
  let step = 0;
  for (const p of planned) {
    if (p.ratingError !== undefined) {
      decisions.push({ planned: p, status: 'failed', transactionId: null, error: p.ratingError });
      continue;
    }
    if (p !== charged[step]) {
      decisions.push({ planned: p, status: 'burned', transactionId: null, error: null });
      continue;
    }
    const s = steps[step++];
    if (!s) break;
    if (s.ok) {
      decisions.push({ planned: p, status: 'burned', transactionId: s.transactionId, error: null });
      continue;
    }
    const waits = s.error instanceof InsufficientCreditsError;
    decisions.push({ planned: p, status: waits ? 'awaiting_funds' : 'failed', transactionId: null, error: s.error.message });
    break;
  }
  return decisions;
}

/** The decided events' rows, in one statement: what burnEvent writes for each, one at a time. */
async function writeDecisions(tx: Tx, accountId: string, decisions: readonly Decision[], now: Date): Promise<void> {
  if (decisions.length === 0) return;
  const rated = decisions.map((d) => (d.planned.rating ? ratedFields(d.planned.rating) : null));
  await sql`
    update usage_events u set
      status = v.status, enforcement_mode = 'enforce', processed_at = ${now}, attempts = u.attempts + 1,
      rating = coalesce(v.rating::jsonb, u.rating), pricing_version = coalesce(v.pricing_version, u.pricing_version),
      credit_type = coalesce(v.credit_type, u.credit_type), cost = coalesce(v.cost, u.cost),
      transaction_id = case when v.status = 'burned' then v.transaction_id else u.transaction_id end,
      closed_period_start = case when v.status = 'burned' then v.closed_period_start else u.closed_period_start end,
      last_error = v.last_error
    from unnest(
      ${decisions.map((d) => d.planned.event.id)}::text[], ${decisions.map((d) => d.status)}::text[],
      ${rated.map((r) => r?.rating ?? null)}::text[], ${rated.map((r) => r?.pricing_version ?? null)}::text[],
      ${rated.map((r) => r?.credit_type ?? null)}::text[], ${rated.map((r) => r?.cost.toString() ?? null)}::int8[],
      ${decisions.map((d) => d.transactionId)}::text[],
      ${decisions.map((d) => d.planned.closed?.periodStart.toISOString() ?? null)}::timestamptz[],
      ${decisions.map((d) => d.error)}::text[]
    ) as v(id, status, rating, pricing_version, credit_type, cost, transaction_id, closed_period_start, last_error)
    where u.account_id = ${accountId} and u.id = v.id`.execute(tx);
}
