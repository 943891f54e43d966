import { beforeAll, describe, expect, it } from 'vitest';
import { loadPricingCatalog } from '../../src/consumption/pricing/catalog.js';
import type { ConsumptionDeps } from '../../src/consumption/settings.js';
import { ingestUsageEvents } from '../../src/consumption/usage-events/ingest.js';
import { burnPendingEvents } from '../../src/consumption/usage-events/metering.js';
import { getUsageEventView } from '../../src/consumption/usage-events/view.js';
import { issueGrant } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { defaultSettings, pricingDir } from './fixture.js';

/**
 * userId on deducts, holds and usage events (issue 18): kept with the ledger
 * transaction, the hold and the event, and reported per user by
 * GET /v1/accounts/{id}/usage?groupBy=user.
 */
const f = useLedgerFixture();
const api = useApi(f);
let consumption: ConsumptionDeps;
beforeAll(async () => {
  consumption = { ledger: f.deps, catalog: await loadPricingCatalog(pricingDir), settings: defaultSettings };
});

const userOf = async (accountId: string, transactionId: string) =>
  (
    await f.deps.db
      .selectFrom('ledger_transactions')
      .select('user_id')
      .where('account_id', '=', accountId)
      .where('id', '=', transactionId)
      .executeTakeFirstOrThrow()
  ).user_id;

describe('usage per user', () => {
  it('keeps userId on deducts, holds (and their commits), refunds and usage events, and reports burns per user', async () => {
    f.clock.set(new Date('2026-03-10T12:00:00Z'));
    const id = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    await issueGrant(f.deps, { accountId: id, creditType: 'storage', amount: '50', source: 'purchase' }, actor);
    const path = `/v1/accounts/${id}`;

    const u1 = await call(api, 'POST', `${path}/deduct`, { body: { creditType: 'ai', amount: '5', userId: 'user-1' } });
    expect(u1.status).toBe(200);
    expect(await userOf(id, u1.body!.transactionId as string)).toBe('user-1');
    const multi = await call(api, 'POST', `${path}/deduct`, {
      body: {
        items: [
          { creditType: 'ai', amount: '2' },
          { creditType: 'storage', amount: '3' },
        ],
        userId: 'user-1',
      },
    });
    expect(multi.status).toBe(200);
    const hold = await call(api, 'POST', `${path}/holds`, { body: { creditType: 'ai', amount: '7', userId: 'user-2@example' } });
    expect(hold.status).toBe(201);
    const stored = await f.deps.db
      .selectFrom('holds')
      .select('user_id')
      .where('id', '=', hold.body!.id as string)
      .executeTakeFirstOrThrow();
    expect(stored.user_id).toBe('user-2@example');
    const commit = await call(api, 'POST', `/v1/holds/${hold.body!.id as string}/commit`, { body: { amount: '4' } });
    expect(await userOf(id, commit.body!.closedTransactionId as string)).toBe('user-2@example');
    expect((await call(api, 'POST', `${path}/deduct`, { body: { creditType: 'ai', amount: '9' } })).status).toBe(200);
    const refund = await call(api, 'POST', `${path}/refunds`, {
      body: { transactionId: u1.body!.transactionId as string, amount: '1', reason: 'retry' },
    });
    expect(await userOf(id, refund.body!.transactionId as string)).toBe('user-1');

    const ingested = await ingestUsageEvents(
      consumption,
      [
        { id: 'ev-u3', accountId: id, feature: 'chat', userId: 'user-3', timestamp: '2026-03-10T11:30:00Z' },
        { id: 'ev-bad', accountId: id, feature: 'chat', userId: 'no spaces', timestamp: '2026-03-10T11:30:00Z' },
      ],
      { mayUse: () => true },
    );
    expect(ingested.map((r) => r.status)).toEqual(['accepted', 'rejected']);
    expect(await burnPendingEvents(consumption, 10)).toMatchObject({ burned: 1 });
    const event = await getUsageEventView(f.deps.db, 'ev-u3', id, 'live');
    expect(event).toMatchObject({ userId: 'user-3', status: 'burned' });
    expect(await userOf(id, event.transactionId!)).toBe('user-3');

    const report = await call(api, 'GET', `${path}/usage?from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z&groupBy=user`);
    expect(report.status).toBe(200);
    expect(report.body!.series).toEqual([
      {
        creditType: 'ai',
        feature: null,
        userId: 'user-1',
        burned: ['7.00'],
        refunded: ['1.00'],
        totalBurned: '7.00',
        totalRefunded: '1.00',
      },
      {
        creditType: 'ai',
        feature: null,
        userId: 'user-2@example',
        burned: ['4.00'],
        refunded: ['0.00'],
        totalBurned: '4.00',
        totalRefunded: '0.00',
      },
      {
        creditType: 'ai',
        feature: null,
        userId: 'user-3',
        burned: ['1.00'],
        refunded: ['0.00'],
        totalBurned: '1.00',
        totalRefunded: '0.00',
      },
      { creditType: 'storage', feature: null, userId: 'user-1', burned: ['3'], refunded: ['0'], totalBurned: '3', totalRefunded: '0' },
    ]);
    const storageOnly = await call(
      api,
      'GET',
      `${path}/usage?from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z&groupBy=user&creditType=storage`,
    );
    expect(storageOnly.body!.series).toHaveLength(1);
    // The unattributed deduct of 9 is in the account's usage, but in no user's.
    const all = await call(api, 'GET', `${path}/usage?from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z&groupBy=creditType&creditType=ai`);
    expect(all.body!.series[0].totalBurned).toBe('21.00');
  });

  it('attributes a pool member’s burns paid by the pool parent to the member’s user', async () => {
    f.clock.set(new Date('2026-03-12T12:00:00Z'));
    const parent = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: parent, creditType: 'ai', amount: '50', source: 'purchase' }, actor);
    const member = await newAccount(f.deps, { parentId: parent });
    expect(
      (await call(api, 'POST', `/v1/accounts/${member}/deduct`, { body: { creditType: 'ai', amount: '6', userId: 'seat-1' } })).status,
    ).toBe(200);
    const report = await call(api, 'GET', `/v1/accounts/${member}/usage?from=2026-03-12T00:00:00Z&groupBy=user&to=2026-03-13T00:00:00Z`);
    expect(report.body!.series).toEqual([expect.objectContaining({ userId: 'seat-1', totalBurned: '6.00' })]);
  });

  it('refuses a userId that is not a plain id', async () => {
    const id = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${id}/deduct`, { body: { creditType: 'ai', amount: '1', userId: 'a b' } });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual([expect.objectContaining({ path: 'userId' })]);
    expect((await call(api, 'POST', `/v1/accounts/${id}/holds`, { body: { creditType: 'ai', amount: '1', userId: '' } })).status).toBe(400);
  });
});
