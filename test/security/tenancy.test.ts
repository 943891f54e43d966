import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../src/api/rate-limit.js';
import { call } from '../helpers/api.js';
import { fundedAccount, uniqueKey, useConsumptionStack } from '../consumption/fixture.js';

const s = useConsumptionStack({
  config: { RATE_LIMIT_PER_ACCOUNT_PER_SECOND: '3', RATE_LIMIT_PER_KEY_PER_SECOND: '20', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' },
});

const event = (accountId: string, id: string) => ({
  id,
  accountId,
  feature: 'chat',
  quantity: '1',
  timestamp: s.ledger.clock.now().toISOString(),
});

describe('finding 5: usage-event dedup is per account', () => {
  it('one tenant’s evt-1 does not make another tenant’s evt-1 a duplicate; both are billed', async () => {
    const a = await fundedAccount(s.ledger.deps, '100');
    const b = await fundedAccount(s.ledger.deps, '100');
    const first = await call(s.api, 'POST', '/v1/events', { body: { events: [event(a, 'evt-1')] } });
    const second = await call(s.api, 'POST', '/v1/events', { body: { events: [event(b, 'evt-1')] } });
    expect(first.body!.results[0].status).toBe('accepted');
    expect(second.body!.results[0].status).toBe('accepted');
    const again = await call(s.api, 'POST', '/v1/events', { body: { events: [event(b, 'evt-1')] } });
    expect(again.body!.results[0].status).toBe('duplicate');
    const rows = await s.ledger.deps.db.selectFrom('usage_events').select(['account_id', 'id']).where('id', '=', 'evt-1').execute();
    expect(rows.map((r) => r.account_id).sort()).toEqual([a, b].sort());
    // Two accounts used the id: tracing it needs the account, and each account's key sees its own.
    expect((await call(s.api, 'GET', '/v1/usage-events/evt-1')).status).toBe(409);
    const traced = await call(s.api, 'GET', `/v1/usage-events/evt-1?accountId=${b}`);
    expect(traced.status).toBe(200);
  });
});

describe('finding 6: rate limits', () => {
  it('a batch naming another tenant’s account neither drains that tenant’s bucket nor is accepted', async () => {
    const attacker = await fundedAccount(s.ledger.deps, '100');
    const victim = await fundedAccount(s.ledger.deps, '100');
    const attackerKey = await s.api.key(['service'], attacker);
    for (let i = 0; i < 6; i++) {
      const response = await call(s.api, 'POST', '/v1/events', { key: attackerKey, body: { events: [event(victim, uniqueKey('evt'))] } });
      expect(response.status).toBe(202);
      expect(response.body!.accepted).toBe(0);
    }
    const victimKey = await s.api.key(['service'], victim);
    const own = await call(s.api, 'POST', '/v1/events', { key: victimKey, body: { events: [event(victim, uniqueKey('evt'))] } });
    expect(own.status).toBe(202);
    expect(own.body!.accepted).toBe(1);
  });

  it('deduct and holds are limited per account, with Retry-After', async () => {
    const account = await fundedAccount(s.ledger.deps, '100');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const response = await call(s.api, 'POST', `/v1/accounts/${account}/deduct`, { body: { creditType: 'ai', amount: '1' } });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('exports are charged to the key (a costly read)', async () => {
    const account = await fundedAccount(s.ledger.deps, '1');
    const key = await s.api.key(['admin']);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(s.api, 'GET', `/v1/accounts/${account}/export`, { key })).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
  });

  it('the buckets are bounded: 10,000 made-up keys keep at most the configured number', () => {
    const limiter = new TokenBucketLimiter(10, () => 0, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`key-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  // Last in this file: it throttles the test's own address.
  it('failed authentications from one address get 429 with Retry-After; a known-good key still works', async () => {
    const good = s.api.adminKey;
    expect((await call(s.api, 'GET', '/v1/credit-types', { key: good })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call(s.api, 'GET', '/v1/credit-types', { key: `bd_live_${'0'.repeat(16)}_${'y'.repeat(32)}` })).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    expect((await call(s.api, 'GET', '/v1/credit-types', { key: good })).status).toBe(200);
  });
});
