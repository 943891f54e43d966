import { describe, expect, it } from 'vitest';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import type { MeteringResult } from '../../src/consumption/usage-events/metering.js';
import { call } from '../helpers/api.js';
import { actor } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { fundedAccount, uniqueKey, useConsumptionStack } from './fixture.js';

const s = useConsumptionStack({ config: { RATE_LIMIT_PER_ACCOUNT_PER_SECOND: '5' } });

const at = (iso: string) => s.ledger.clock.set(new Date(iso));
const send = (events: unknown[]) => call(s.api, 'POST', '/v1/events', { body: { events } });
const event = (accountId: string, extra: Record<string, unknown> = {}) => ({
  id: uniqueKey('evt'),
  accountId,
  feature: 'chat',
  quantity: '1',
  timestamp: s.ledger.clock.now().toISOString(),
  ...extra,
});

async function meter(record?: string): Promise<MeteringResult> {
  const handle = await s.temporal.client.workflow.start('meteringWorkflow', {
    taskQueue: s.temporal.taskQueue,
    workflowId: uniqueKey('metering'),
    args: [],
  });
  const result = (await handle.result()) as MeteringResult;
  if (record) await recordHistory(handle, record);
  return result;
}

async function eventRows(accountId: string) {
  return s.ledger.deps.db.selectFrom('usage_events').selectAll().where('account_id', '=', accountId).orderBy('event_time').execute();
}
async function burns(accountId: string) {
  return s.ledger.deps.db
    .selectFrom('ledger_entries')
    .select(['entry_type', 'amount', 'usage_event_id', 'reason', 'created_at'])
    .where('account_id', '=', accountId)
    .where('entry_type', '=', 'burn')
    .orderBy('id')
    .execute();
}

describe('usage events (real API, Temporal metering, PostgreSQL)', () => {
  it('answers each event of a batch on its own and ignores duplicates across batches, forever', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '100');
    const [a, b, c] = [
      event(acct),
      event(acct, { feature: 'tokens', quantity: undefined, properties: { tokens: 50_000 } }),
      event(acct, { quantity: 2 }),
    ];
    const first = await send([
      a,
      b,
      c,
      { ...event(acct), timestamp: undefined },
      event(acct, { feature: 'teleport' }),
      event('nobody-here'),
      event(acct, { feature: 'gpu', quantity: undefined }),
      event(acct, { quantity: 1.5 }),
      a,
    ]);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 1, rejected: 5 });
    expect(first.body!.results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'invalid',
      'unknown_feature',
      'unknown_account',
      'missing_quantity',
      'invalid',
      'duplicate',
    ]);
    expect(first.body!.results[3].errors).toEqual([expect.objectContaining({ path: 'timestamp' })]);
    // Stored before the 202, quantity taken from the rule's property for tokens.
    expect((await eventRows(acct)).map((e) => [e.id, e.quantity, e.status])).toEqual(
      expect.arrayContaining([
        [a.id, '1', 'pending'],
        [b.id, '50000', 'pending'],
        [c.id, '2', 'pending'],
      ]),
    );

    const second = await send([a, event(acct)]);
    expect(second.body!.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'accepted']);
    await meter('consumption-metering');
    expect((await eventRows(acct)).every((e) => e.status === 'burned')).toBe(true);
    expect((await send([a, b])).body).toMatchObject({ accepted: 0, duplicates: 2 });
    await meter();
    expect((await burns(acct)).map((e) => e.amount)).toEqual(expect.arrayContaining([100n, 100n, 200n, 100n]));
    expect((await burns(acct)).length).toBe(4);
  });

  it('burns in event-time order, each event rated with the version in force at its time (or the pinned one)', async () => {
    at('2026-07-03T00:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '100');
    const pinned = await fundedAccount(s.ledger.deps, '100', { pricingVersion: '2026-01' });
    const july = (id: string) => event(id, { timestamp: '2026-07-02T00:00:00Z' });
    const june = (id: string) => event(id, { timestamp: '2026-06-30T00:00:00Z' });
    const sent = [july(acct), june(acct), july(pinned), june(pinned)];
    expect((await send(sent)).body).toMatchObject({ accepted: 4 });
    await meter();
    const rows = await eventRows(acct);
    expect(rows.map((e) => [e.pricing_version, e.cost])).toEqual([
      ['2026-01', 100n],
      ['2026-07', 150n],
    ]);
    expect((await burns(acct)).map((e) => e.usage_event_id)).toEqual([sent[1]!.id, sent[0]!.id]);
    expect((await eventRows(pinned)).map((e) => [e.pricing_version, e.cost])).toEqual([
      ['2026-01', 100n],
      ['2026-01', 100n],
    ]);
  });

  it('accepts late events within the window, rejects them after with late_event', async () => {
    at('2026-04-20T00:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '10');
    const res = await send([
      event(acct, { timestamp: '2026-04-13T00:00:01Z' }),
      event(acct, { timestamp: '2026-04-12T23:59:59Z' }),
      event(acct, { timestamp: '2026-04-20T01:00:00Z' }),
    ]);
    expect(res.body!.results.map((r: { status: string; reason?: string }) => r.reason ?? r.status)).toEqual([
      'accepted',
      'late_event',
      'future_event',
    ]);
    expect(res.body!.results[1].detail).toContain('late-event window of 7 days');
  });

  it('books an event of a closed period as an adjusting burn in the open period', async () => {
    at('2026-05-03T00:00:00Z');
    await s.ledger.deps.db
      .insertInto('closed_periods')
      .values({
        period_start: new Date('2026-04-01T00:00:00Z'),
        period_end: new Date('2026-05-01T00:00:00Z'),
        closed_at: new Date('2026-05-02T00:00:00Z'),
        closed_by: 'finance',
      })
      .execute();
    const acct = await fundedAccount(s.ledger.deps, '10');
    const april = event(acct, { timestamp: '2026-04-30T23:00:00Z' });
    const may = event(acct, { timestamp: '2026-05-01T01:00:00Z' });
    await send([april, may]);
    await meter();
    const rows = await eventRows(acct);
    expect(rows.map((e) => [e.id, e.status, e.closed_period_start?.toISOString() ?? null])).toEqual([
      [april.id, 'burned', '2026-04-01T00:00:00.000Z'],
      [may.id, 'burned', null],
    ]);
    const [adjusting, normal] = await burns(acct);
    expect(adjusting!.reason).toContain('adjustment for closed period 2026-04-01T00:00:00.000Z..2026-05-01T00:00:00.000Z');
    expect(adjusting!.created_at.toISOString()).toBe('2026-05-03T00:00:00.000Z');
    expect(normal!.reason).not.toContain('adjustment');
  });

  it('runs into the overdraft up to the limit, then soft-blocks and carries the rest forward until a top-up', async () => {
    at('2026-03-01T00:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '1', { overdraftLimit: { ai: '2' } });
    const events = [1, 2, 3, 4, 5].map((n) => event(acct, { timestamp: `2026-02-28T0${n}:00:00Z` }));
    await send(events);
    expect(await meter()).toMatchObject({ burned: 3, awaitingFunds: 2 });
    expect((await eventRows(acct)).map((e) => e.status)).toEqual(['burned', 'burned', 'burned', 'awaiting_funds', 'awaiting_funds']);

    // Soft-block: at the limit, deducts and consumptions get 402 until topped up.
    await expect(deduct(s.ledger.deps, { accountId: acct, creditType: 'ai', amount: '0.01' }, actor)).rejects.toMatchObject({
      code: 'insufficient_credits',
    });
    const consumption = await call(s.api, 'POST', '/v1/consumptions', {
      body: { accountId: acct, feature: 'chat', quantity: '1', idempotencyKey: uniqueKey() },
    });
    expect(consumption.status).toBe(402);
    // A later event waits behind the blocked ones (event-time order).
    await send([event(acct, { timestamp: '2026-02-28T09:00:00Z' })]);
    await meter();
    expect((await eventRows(acct)).map((e) => e.status)).toEqual([
      'burned',
      'burned',
      'burned',
      'awaiting_funds',
      'awaiting_funds',
      'awaiting_funds',
    ]);

    await issueGrant(s.ledger.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    expect(await meter()).toMatchObject({ burned: 3 });
    expect((await eventRows(acct)).every((e) => e.status === 'burned')).toBe(true);
    expect((await burns(acct)).map((e) => e.usage_event_id)).toEqual((await eventRows(acct)).map((e) => e.id));
  });

  it('in shadow mode records shadow entries only; off records the rating only; neither ever blocks', async () => {
    at('2026-03-01T00:00:00Z');
    const shadow = await fundedAccount(s.ledger.deps, null, { enforcementMode: 'shadow' });
    const off = await fundedAccount(s.ledger.deps, null, { enforcementMode: 'off' });
    const e1 = event(shadow, { quantity: '3' });
    const e2 = event(off);
    await send([e1, e2]);
    await meter();
    const view = await call(s.api, 'GET', `/v1/usage-events/${e1.id}`);
    expect(view.body).toMatchObject({ status: 'shadowed', enforcementMode: 'shadow', cost: '3.00', entries: [] });
    expect(view.body!.shadowEntries).toEqual([
      expect.objectContaining({ step: 'burn', amount: '3.00', available: '0.00', wouldBlock: true }),
    ]);
    expect((await call(s.api, 'GET', `/v1/usage-events/${e2.id}`)).body).toMatchObject({
      status: 'off',
      cost: '1.00',
      entries: [],
      shadowEntries: [],
    });
    const balances = await s.ledger.deps.db.selectFrom('ledger_entries').select('id').where('account_id', 'in', [shadow, off]).execute();
    expect(balances).toEqual([]);
  });

  it('traces an event to its rating and the ledger entries it produced', async () => {
    at('2026-03-01T00:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '10');
    const e = event(acct, { feature: 'gpu', quantity: '90', timestamp: '2026-02-28T12:00:00Z' });
    await send([e]);
    await meter();
    const trace = await call(s.api, 'GET', `/v1/usage-events/${e.id}`);
    expect(trace.body).toMatchObject({
      id: e.id,
      status: 'burned',
      pricingVersion: '2026-01',
      cost: '0.90',
      rating: {
        pricingVersion: '2026-01',
        rule: 'features.gpu',
        quantity: '90',
        rate: { kind: 'time', per: 'hour' },
        rounding: 'half_even',
        exactCost: '9/10',
        cost: '0.90',
      },
    });
    expect(trace.body!.entries).toEqual([
      expect.objectContaining({ type: 'burn', amount: '0.90', usageEventId: e.id, transactionId: trace.body!.transactionId }),
    ]);
    expect((await call(s.api, 'GET', '/v1/usage-events/nope')).status).toBe(404);
  });

  it('rate-limits each account with 429 and Retry-After', async () => {
    const acct = await fundedAccount(s.ledger.deps, '10');
    const other = await fundedAccount(s.ledger.deps, '10');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 15; i++) {
      const res = await send([event(acct)]);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await send([event(other)])).status).toBe(202);
  });
});
