import type { KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { balanceOf } from '../../src/accounts/service.js';
import { issueGrant } from '../../src/ledger/index.js';
import { call } from '../helpers/api.js';
import { actor } from '../helpers/ledger.js';
import { fundedAccount, pricingDir, uniqueKey, useConsumptionStack } from './fixture.js';

const s = useConsumptionStack();

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
const balance = async (acct: string) => (await call(s.api, 'GET', `/v1/accounts/${acct}/balance`)).body!.balances[0];
const check = async (acct: string, feature: string, quantity: string) =>
  (await call(s.api, 'GET', `/v1/accounts/${acct}/entitlements/${feature}?quantity=${quantity}`)).body!;

async function meter(): Promise<void> {
  const handle = await s.temporal.client.workflow.start('meteringWorkflow', {
    taskQueue: s.temporal.taskQueue,
    workflowId: uniqueKey('metering'),
    args: [],
  });
  await handle.result();
}

describe('pendingUsage: usage accepted but not yet burned (issue 18; real API, PostgreSQL, Temporal metering)', () => {
  it('shows in the balance and in the entitlement verdict until metering burns it, then is 0', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '10');
    expect(await balance(acct)).toMatchObject({ available: '10.00', pendingUsage: '0.00' });
    // chat: 1.00 a call (2026-01); tokens round up per event: 1 token is 0.01, twice (one group of two events).
    const sent = await send([
      event(acct, { quantity: '3' }),
      event(acct, { feature: 'tokens', quantity: '1' }),
      event(acct, { feature: 'tokens', quantity: '1' }),
    ]);
    expect(sent.status).toBe(202);
    expect(await balance(acct)).toMatchObject({ available: '10.00', pendingUsage: '3.02', total: '10.00' });
    // The verdict judges against available minus pendingUsage (6.98); available is still the balance's.
    expect(await check(acct, 'chat', '6')).toMatchObject({ allowed: true, reason: 'within_balance', available: '10.00' });
    expect(await check(acct, 'chat', '7')).toMatchObject({
      allowed: false,
      reason: 'insufficient_credits',
      available: '10.00',
      shortfall: '0.02',
    });

    await meter();
    expect(await balance(acct)).toMatchObject({ available: '6.98', pendingUsage: '0.00' });
    expect(await check(acct, 'chat', '6')).toMatchObject({ allowed: true, available: '6.98' });
    expect(await check(acct, 'chat', '7')).toMatchObject({ allowed: false, shortfall: '0.02' });
  });

  it('counts events awaiting funds at their rated cost until credits arrive and they burn', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '1');
    await send([event(acct, { quantity: '5' })]);
    await meter();
    const [row] = await s.ledger.deps.db.selectFrom('usage_events').select(['status']).where('account_id', '=', acct).execute();
    expect(row!.status).toBe('awaiting_funds');
    expect(await balance(acct)).toMatchObject({ available: '1.00', pendingUsage: '5.00' });
    expect(await check(acct, 'chat', '1')).toMatchObject({ allowed: false, shortfall: '5.00' });

    await issueGrant(s.ledger.deps, { accountId: acct, creditType: 'ai', amount: '10', source: 'purchase' }, actor);
    await meter();
    expect(await balance(acct)).toMatchObject({ available: '6.00', pendingUsage: '0.00' });
  });

  it('lists a credit type only pending usage names, and a point-in-time balance says 0', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, null);
    await send([event(acct, { quantity: '2' })]);
    const now = (await call(s.api, 'GET', `/v1/accounts/${acct}/balance`)).body!;
    expect(now.balances).toEqual([expect.objectContaining({ creditType: 'ai', available: '0.00', pendingUsage: '2.00' })]);
    at('2026-03-10T12:00:01Z');
    const past = await call(s.api, 'GET', `/v1/accounts/${acct}/balance?at=2026-03-10T12:00:00.500Z`);
    expect(past.status).toBe(200);
    for (const b of past.body!.balances) expect(b.pendingUsage).toBe('0.00');
  });

  it('reads the balance with its pending usage in one statement', async () => {
    at('2026-03-10T12:00:00Z');
    const acct = await fundedAccount(s.ledger.deps, '10');
    await send([event(acct, { quantity: '3' }), event(acct, { feature: 'tokens', quantity: '1500' })]);
    let n = 0;
    const plugin: KyselyPlugin = { transformQuery: (args) => (n++, args.node), transformResult: (args) => Promise.resolve(args.result) };
    const deps = {
      ledger: { ...s.ledger.deps, db: s.ledger.deps.db.withPlugin(plugin) },
      config: { LATE_EVENT_WINDOW_DAYS: 30, PRICING_DIR: pricingDir },
    };
    await balanceOf(deps, acct, undefined); // first use of this handle: credit types and pricing registration are cached per handle
    const warm = n;
    const read = await balanceOf(deps, acct, undefined);
    expect(n - warm).toBe(1);
    expect(read.balances[0]).toMatchObject({ available: '10.00', pendingUsage: '3.03' });
  });
});
