import { describe, expect, it } from 'vitest';
import { deduct, issueGrant, refundBurn } from '../../src/ledger/index.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';

const f = useLedgerFixture();
const api = useApi(f);
const DAY = 86_400_000;

describe('balance summary (GET /v1/accounts/{id}/balance-summary)', () => {
  it('shows expiring credits apart, net burn rates over 7 and 30 days, and when the balance runs out', async () => {
    const id = await newAccount(f.deps);
    const now = new Date('2026-05-31T12:30:00Z');
    f.clock.set(new Date(now.getTime() - 40 * DAY));
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '1000', source: 'purchase' }, actor);
    await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '500', source: 'promo', expiresAt: new Date('2026-07-31T00:00:00Z') },
      actor,
    );
    await issueGrant(
      f.deps,
      { accountId: id, creditType: 'ai', amount: '20', source: 'support', expiresAt: new Date('2026-07-31T00:00:00Z') },
      actor,
    );
    // 35 days ago: outside both windows. 20 days ago: only in the 30-day one. Then 3 burns of 70 in the last 7 days, one refunded by 10.
    for (const [daysAgo, amount] of [
      [35, '100'],
      [20, '90'],
      [6, '70'],
      [4, '70'],
      [1, '70'],
    ] as const) {
      f.clock.set(new Date(now.getTime() - daysAgo * DAY));
      const burn = await deduct(f.deps, { accountId: id, creditType: 'ai', amount }, { ...actor, feature: 'chat' });
      if (daysAgo === 1)
        await refundBurn(f.deps, { accountId: id, transactionId: burn.transactionId, amount: '10' }, { ...actor, reason: 'test' });
    }
    f.clock.set(now);
    const res = await call(api, 'GET', `/v1/accounts/${id}/balance-summary`);
    expect(res.status).toBe(200);
    const ai = res.body!.balances[0];
    // 1520 granted − 400 burned + 10 refunded = 1130; promo and support burn first (lower priority number), the purchase never expires.
    expect(ai).toMatchObject({ creditType: 'ai', name: 'AI credits', precision: 2, available: '1130.00' });
    expect(ai.expiring).toEqual([{ expiresAt: '2026-07-31T00:00:00.000Z', amount: '130.00' }]);
    expect(ai.neverExpiring).toBe('1000.00');
    // net 7 days: 70 × 3 − 10 = 200 → 28.571… → 28.57 a day (half-even); 30 days: 290 → 9.67.
    expect(ai.burnRate).toEqual({ perDay7d: '28.57', perDay30d: '9.67' });
    // 1130 / (200/7) days = 39.55 days after 12:00 (the hour) → 2026-07-10T01:12 → rounded down to the hour.
    expect(ai.depletesAt).toBe('2026-07-10T01:00:00.000Z');
  });

  it('has an ETag that holds until the account changes, so a poll costs a 304', async () => {
    const id = await newAccount(f.deps);
    f.clock.set(new Date('2026-06-01T10:00:00Z'));
    await issueGrant(f.deps, { accountId: id, creditType: 'ai', amount: '100', source: 'purchase' }, actor);
    const first = await call(api, 'GET', `/v1/accounts/${id}/balance-summary`);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    f.clock.advance(20 * 60_000); // time passes within the hour: nothing in the body moves
    // Browsers send Cache-Control: no-cache with a fetch that sets If-None-Match itself: still a 304.
    const again = await call(api, 'GET', `/v1/accounts/${id}/balance-summary`, {
      headers: { 'if-none-match': etag, 'cache-control': 'no-cache' },
    });
    expect(again.status).toBe(304);
    await deduct(f.deps, { accountId: id, creditType: 'ai', amount: '1' }, actor);
    const changed = await call(api, 'GET', `/v1/accounts/${id}/balance-summary`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.body!.balances[0].available).toBe('99.00');
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('forecasts nothing when nothing burns or nothing is left', async () => {
    const id = await newAccount(f.deps);
    await issueGrant(f.deps, { accountId: id, creditType: 'storage', amount: '5', source: 'purchase' }, actor);
    const idle = (await call(api, 'GET', `/v1/accounts/${id}/balance-summary`)).body!.balances[0];
    expect(idle).toMatchObject({
      available: '5',
      burnRate: { perDay7d: '0', perDay30d: '0' },
      depletesAt: null,
      expiring: [],
      neverExpiring: '5',
    });
    await deduct(f.deps, { accountId: id, creditType: 'storage', amount: '5' }, actor);
    expect((await call(api, 'GET', `/v1/accounts/${id}/balance-summary`)).body!.balances[0]).toMatchObject({
      available: '0',
      depletesAt: null,
    });
  });
});
