import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPricingCatalog } from '../../src/consumption/pricing/catalog.js';
import { loadAccount } from '../../src/consumption/rating.js';
import type { ConsumptionDeps } from '../../src/consumption/settings.js';
import { burnPendingEvents } from '../../src/consumption/usage-events/metering.js';
import { burnEvent } from '../../src/consumption/usage-events/metering-event.js';
import type { Tx } from '../../src/db/database.js';
import { issueGrant, type LedgerTransactionObserver } from '../../src/ledger/index.js';
import { mulberry32 } from '../helpers/random.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { defaultSettings, pricingDir } from './fixture.js';

/**
 * Metering burns all due events of an account in one sequence (one
 * transaction). Seeded random events (SEED=… replays one), metered in one
 * pass for one account and one event per transaction, as metering did before,
 * for a twin account with the same grants: the same entries, balances and
 * event rows, through running out, the overdraft, carry-forward and a top-up.
 */
const f = useLedgerFixture();
let deps: ConsumptionDeps;
/** The database transaction each ledger transaction was written in, by account (a transaction observer sees it). */
const written = new Map<string, Tx[]>();
beforeAll(async () => {
  const observer: LedgerTransactionObserver = ({ tx, accountId }) => {
    written.set(accountId, [...(written.get(accountId) ?? []), tx]);
    return Promise.resolve();
  };
  deps = { ledger: { ...f.deps, observers: [observer] }, catalog: await loadPricingCatalog(pricingDir), settings: defaultSettings };
});

const SEED = Number(process.env.SEED ?? 20261130);
const DAY = 86_400_000;

interface RandomEvent {
  id: string;
  feature: string;
  quantity: string;
  at: Date;
}

function randomEvents(seed: number, count: number, start: Date): RandomEvent[] {
  const random = mulberry32(seed);
  const features = ['chat', 'tokens', 'tokens', 'gpu', 'teleport'];
  return Array.from({ length: count }, (_, i) => {
    const feature = features[Math.floor(random() * features.length)]!;
    const quantity = String(Math.floor(random() * (feature === 'tokens' ? 60_000 : feature === 'chat' ? 4 : 40)));
    // Distinct event times, sent in random order: metering burns them in event-time order.
    return { id: `ev-${i}`, feature, quantity, at: new Date(start.getTime() + Math.floor(random() * DAY) * 1000 + i) };
  });
}

async function twinAccount(): Promise<string> {
  const id = await newAccount(f.deps, { overdraftLimit: { ai: '5' } });
  const now = f.clock.now().getTime();
  // Grants that expire at different times, so burn order decides which one each event draws on.
  for (const [amount, expiresIn] of [
    ['40', 30 * DAY],
    ['25', 2 * DAY],
    ['60', null],
  ] as const) {
    const expiresAt = expiresIn === null ? null : new Date(now + expiresIn);
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount, source: 'purchase', expiresAt }, actor);
  }
  return id;
}

async function store(accountId: string, events: readonly RandomEvent[]) {
  await f.deps.db
    .insertInto('usage_events')
    .values(
      events.map((e) => ({
        id: e.id,
        account_id: accountId,
        feature: e.feature,
        quantity: e.quantity,
        properties: '{}',
        event_time: e.at,
        received_at: f.clock.now(),
        status: 'pending' as const,
      })),
    )
    .execute();
}

/** Runs fn while the account's events have a status metering does not look at. */
async function parked<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
  await sql`update usage_events set status = 'parked:' || status where account_id = ${accountId}`.execute(f.deps.db);
  try {
    return await fn();
  } finally {
    await sql`update usage_events set status = substr(status, 8) where account_id = ${accountId}`.execute(f.deps.db);
  }
}

/** Metering as it was: each due event alone, in event-time order, the account's later events waiting behind a wait. */
async function meterOneByOne(accountId: string) {
  const account = await loadAccount(f.deps.db, accountId);
  const waiting = (status: 'awaiting_funds' | 'pending') =>
    f.deps.db
      .selectFrom('usage_events')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('status', '=', status)
      .orderBy('event_time')
      .orderBy('id')
      .execute();
  let blocked = false;
  for (const event of [...(await waiting('awaiting_funds')), ...(await waiting('pending'))]) {
    if (blocked) {
      await f.deps.db
        .updateTable('usage_events')
        .set({ status: 'awaiting_funds', last_error: 'an earlier event of this account is waiting for funds' })
        .where('account_id', '=', accountId)
        .where('id', '=', event.id)
        .where('status', '=', 'pending')
        .execute();
      continue;
    }
    blocked = (await burnEvent(deps, account, event)) === 'awaiting_funds';
  }
}

/** What the account's ledger and events hold, without the ids that differ between two accounts. */
async function snapshot(accountId: string) {
  const { db } = f.deps;
  const grants = (
    await db.selectFrom('grants').select('id').where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute()
  ).map((g) => g.id);
  const entries = await db
    .selectFrom('ledger_entries')
    .select(['seq', 'entry_type', 'amount', 'balance_after', 'held_after', 'grant_id', 'grant_remaining_after', 'usage_event_id', 'reason'])
    .where('account_id', '=', accountId)
    .orderBy('seq')
    .execute();
  const events = await db
    .selectFrom('usage_events')
    .select(['id', 'status', 'cost', 'pricing_version', 'credit_type', 'transaction_id', 'last_error', 'attempts'])
    .where('account_id', '=', accountId)
    .orderBy('event_time')
    .execute();
  const balance = await db
    .selectFrom('balances')
    .select(['balance', 'held', 'debt', 'granted', 'burned', 'entry_seq'])
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return {
    entries: entries.map((e) => ({ ...e, grant_id: e.grant_id === null ? null : grants.indexOf(e.grant_id) })),
    events: events.map((e) => ({
      ...e,
      transaction_id: e.transaction_id !== null,
      last_error: e.last_error?.replaceAll(accountId, '<account>'),
    })),
    balance,
  };
}

/** The events the account's burn entries name, in entry order. */
async function burnOrder(accountId: string) {
  const burns = await f.deps.db
    .selectFrom('ledger_entries')
    .select('usage_event_id')
    .where('account_id', '=', accountId)
    .where('entry_type', '=', 'burn')
    .orderBy('seq')
    .execute();
  return burns.map((b) => b.usage_event_id);
}

/** Each burned event's transaction holds exactly the entries that name it. */
async function expectTraceable(accountId: string) {
  const burned = await f.deps.db
    .selectFrom('usage_events')
    .select(['id', 'transaction_id'])
    .where('account_id', '=', accountId)
    .where('status', '=', 'burned')
    .where('transaction_id', 'is not', null)
    .execute();
  const entries = await f.deps.db
    .selectFrom('ledger_entries')
    .select(['transaction_id', 'usage_event_id'])
    .where('account_id', '=', accountId)
    .where('usage_event_id', 'is not', null)
    .execute();
  for (const event of burned) {
    const own = entries.filter((e) => e.transaction_id === event.transaction_id);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((e) => e.usage_event_id === event.id)).toBe(true);
  }
}

describe('metering an account in one pass (seeded)', () => {
  it(`burns exactly as one event per transaction did: entries, balances, event rows (seed ${SEED})`, async () => {
    f.clock.set(new Date('2026-03-01T00:00:00Z'));
    const events = randomEvents(SEED, 400, new Date('2026-02-27T00:00:00Z'));
    const [batched, single] = [await twinAccount(), await twinAccount()];
    await store(batched, events);
    await store(single, events);
    // Only the batched account's events are due in its pass: the twin's are parked meanwhile.
    await parked(single, () => burnPendingEvents(deps, 1000));
    await meterOneByOne(single);

    const [a, b] = [await snapshot(batched), await snapshot(single)];
    // The seed must reach every path: a failed rating, a burn, a wait, carry-forward behind it.
    const statuses = new Set(a.events.map((e) => e.status));
    expect([...statuses].sort()).toEqual(['awaiting_funds', 'burned', 'failed']);
    expect(a).toEqual(b);
    await expectTraceable(batched);
    // One database transaction for all the batched account's burns, one each for its twin's.
    const burns = a.events.filter((e) => e.transaction_id).length;
    expect(burns).toBeGreaterThan(50);
    expect([written.get(batched)!.length, new Set(written.get(batched)).size]).toEqual([burns, 1]);
    expect(new Set(written.get(single)).size).toBe(burns);

    // A top-up: the waiting events burn in one pass again, as they do one by one.
    for (const id of [batched, single]) {
      await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '100000', source: 'purchase' }, actor);
    }
    await parked(single, () => burnPendingEvents(deps, 1000));
    await meterOneByOne(single);
    const [a2, b2] = [await snapshot(batched), await snapshot(single)];
    expect(a2.events.filter((e) => e.status === 'awaiting_funds')).toEqual([]);
    expect(a2).toEqual(b2);
    await expectTraceable(batched);
  });

  it('meters 1,000 events of one account in one pass, one transaction, each event traced to its own entries', async () => {
    f.clock.set(new Date('2026-03-02T00:00:00Z'));
    const account = await twinAccount();
    await issueGrant(f.deps, { accountId: account, creditType: 'ai', amount: '1000', source: 'purchase' }, actor);
    const start = new Date('2026-03-01T00:00:00Z').getTime();
    const events = Array.from({ length: 1000 }, (_, i) => ({
      id: `one-${i}`,
      feature: 'chat',
      quantity: '1',
      at: new Date(start + i * 1000),
    }));
    await store(account, events);
    expect(await burnPendingEvents(deps, 1000)).toMatchObject({ pendingSeen: 1000, burned: 1000, awaitingFunds: 0, failed: 0 });
    expect(new Set(written.get(account)).size).toBe(1);
    await expectTraceable(account);
    // Event-time order, one burn each (1.00 credit a chat, drawn from one grant at a time).
    expect(await burnOrder(account)).toEqual(events.map((e) => e.id));
  });

  it('takes whole accounts from an interleaved backlog: the due events of each in one sequence, in event-time order', async () => {
    f.clock.set(new Date('2026-03-03T00:00:00Z'));
    const accounts = [];
    for (let i = 0; i < 6; i++) {
      const id = await twinAccount();
      accounts.push(id);
    }
    const start = new Date('2026-03-02T00:00:00Z').getTime();
    // Sent as a producer interleaves them: one event of each account in turn.
    for (const [k, id] of accounts.entries()) {
      await store(
        id,
        Array.from({ length: 20 }, (_, i) => ({
          id: `mix-${i}`,
          feature: 'chat',
          quantity: '1',
          at: new Date(start + (i * 6 + k) * 1000),
        })),
      );
    }
    // The 10 oldest events name all 6 accounts; each brings up to 10 of its events, until the pass holds 4 × 10.
    expect(await burnPendingEvents(deps, 10)).toMatchObject({ pendingSeen: 10, burned: 40 });
    expect(accounts.map((id) => new Set(written.get(id)).size)).toEqual([1, 1, 1, 1, 0, 0]);
    for (let pass = 0; (await burnPendingEvents(deps, 10)).pendingSeen === 10 && pass < 20; pass++);
    for (const id of accounts) expect(await burnOrder(id)).toEqual(Array.from({ length: 20 }, (_, i) => `mix-${i}`));
  });
});
