import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import type { UsageEvent } from '../../db/schema-consumption.js';
import { loadAccount, type RatedAccount } from '../rating.js';
import type { ConsumptionDeps } from '../settings.js';
import { closedPeriodsBetween } from './closed-periods.js';
import { burnAccountEvents } from './metering-account.js';
import type { Outcome } from './metering-event.js';

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
/** Most pending events one batch takes, as a multiple of its limit (the last account's queue may be cut there). */
const PASS_BUDGET = 4;

/** Accounts whose queues one look-up of duePending reads (with ~100 events each, one look-up fills a batch). */
const ACCOUNTS_PER_LOOKUP = 16;

/**
 * The pending events one batch burns: the accounts of the `limit` oldest
 * pending events, in the order of their oldest event, each with its pending
 * events in event-time order from that oldest one, until the batch holds
 * PASS_BUDGET × limit events (the last account's queue may be cut there: the
 * rest, still the account's oldest pending, leads the next batch). An
 * account's events then burn in one sequence however the sender interleaved
 * accounts. `seen` is how many of the oldest there were: fewer than the limit
 * means the backlog is drained.
 *
 * The queues are read ACCOUNTS_PER_LOOKUP accounts at a time, each walking
 * usage_events_unburned_idx in its order, until the budget is full:
 * reading every account's queue at once and sorting them read 50,000 rows to
 * keep 2,000 (docs/PERFORMANCE.md, "Metering").
 */
async function duePending(db: Database, limit: number): Promise<{ events: UsageEvent[]; seen: number }> {
  const budget = PASS_BUDGET * limit;
  const { rows: accounts } = await sql<{ account_id: string; since: string; seen: string }>`
    with oldest as (
      select account_id, event_time from usage_events where status = 'pending' order by event_time, id limit ${limit}
    )
    select account_id, min(event_time)::text as since, sum(count(*)) over ()::text as seen from oldest
    group by account_id order by min(event_time), account_id`.execute(db);
  const events: UsageEvent[] = [];
  for (let from = 0; from < accounts.length && events.length < budget; from += ACCOUNTS_PER_LOOKUP) {
    const chunk = accounts.slice(from, from + ACCOUNTS_PER_LOOKUP);
    const { rows } = await sql<UsageEvent>`
      select u.* from unnest(${chunk.map((a) => a.account_id)}::text[], ${chunk.map((a) => a.since)}::timestamptz[])
        with ordinality as a(account_id, since, n)
      cross join lateral (
        select * from usage_events u
        where u.account_id = a.account_id and u.status = 'pending' and u.event_time >= a.since
        order by u.event_time, u.id limit ${limit}
      ) u
      order by a.n, u.event_time, u.id
      limit ${budget - events.length}`.execute(db);
    events.push(...rows);
  }
  return { events, seen: accounts.length === 0 ? 0 : Number(accounts[0]!.seen) };
}

/** Events grouped by account, each account's in the order given (event-time order). */
function byAccount(events: readonly UsageEvent[]): [string, UsageEvent[]][] {
  const queues = new Map<string, UsageEvent[]>();
  for (const event of events) {
    const queue = queues.get(event.account_id);
    if (queue) queue.push(event);
    else queues.set(event.account_id, [event]);
  }
  return [...queues.entries()];
}

/** Runs fn for each account's queue, ACCOUNT_CONCURRENCY accounts at a time. */
async function forEachAccount(queues: [string, UsageEvent[]][], fn: (accountId: string, events: UsageEvent[]) => Promise<void>) {
  const left = [...queues];
  await Promise.all(
    Array.from({ length: Math.min(ACCOUNT_CONCURRENCY, left.length) }, async () => {
      for (let next = left.shift(); next; next = left.shift()) await fn(...next);
    }),
  );
}

/**
 * One metering batch: first the accounts that were waiting for funds (their
 * waiting events in event-time order, stopping at the first that still cannot
 * burn), then up to `limit` pending events in event-time order. An account
 * still waiting keeps its later events waiting behind the first, so an
 * account's events always burn in event-time order. Each account's events
 * burn together (burnAccountEvents: one ledger sequence, one commit).
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
  const closedPeriodsOf = async (events: readonly UsageEvent[]) => {
    if (events.length === 0) return () => null;
    const times = events.map((e) => e.event_time.getTime());
    return closedPeriodsBetween(db, new Date(Math.min(...times)), new Date(Math.max(...times)));
  };

  const waiting = await db
    .selectFrom('usage_events')
    .selectAll()
    .where('status', '=', 'awaiting_funds')
    .orderBy('event_time')
    .orderBy('id')
    .limit(limit)
    .execute();
  const waitingPeriods = await closedPeriodsOf(waiting);
  await forEachAccount(byAccount(waiting), async (accountId, events) => {
    const outcomes = await burnAccountEvents(deps, await accountOf(accountId), events, waitingPeriods);
    outcomes.forEach(count);
    if (outcomes.at(-1) === 'awaiting_funds') blocked.add(accountId);
  });
  // Accounts with waiting events beyond this batch's look stay blocked too.
  const stillWaiting = await db.selectFrom('usage_events').select('account_id').distinct().where('status', '=', 'awaiting_funds').execute();
  for (const { account_id } of stillWaiting) blocked.add(account_id);

  const { events: pending, seen } = await duePending(db, limit);
  result.pendingSeen = seen;
  const pendingPeriods = await closedPeriodsOf(pending);
  // Accounts are independent: their queues burn concurrently, each in event-time order.
  await forEachAccount(byAccount(pending), async (accountId, events) => {
    const outcomes = blocked.has(accountId) ? [] : await burnAccountEvents(deps, await accountOf(accountId), events, pendingPeriods);
    outcomes.forEach(count);
    const behind = events.slice(outcomes.length);
    if (behind.length === 0) return;
    await db
      .updateTable('usage_events')
      .set({ status: 'awaiting_funds', last_error: 'an earlier event of this account is waiting for funds' })
      .where('account_id', '=', accountId)
      .where(
        'id',
        'in',
        behind.map((e) => e.id),
      )
      .execute();
    behind.forEach(() => count('awaiting_funds'));
  });
  return result;
}
