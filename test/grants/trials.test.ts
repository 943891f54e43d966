import { describe, expect, it } from 'vitest';
import { deduct, getBalances } from '../../src/ledger/index.js';
import {
  grantExpiryWorkflowId,
  subscriptionStateQuery,
  subscriptionWorkflowId,
  trialStateQuery,
  trialWorkflowId,
  type TrialState,
} from '../../src/contracts/grants.js';
import { periodBounds } from '../../workflows/grants/periods.js';
import { call } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { useGrantsStack } from './paid-stack.js';

const f = useLedgerFixture();
// The API starts and queries the trial workflows on the time-skipping server the worker polls.
const { api, t } = useGrantsStack(f, 'trials', { GRANT_EXPIRING_NOTICE_DAYS: '3' });

const DAY = 86_400_000;
const month = { unit: 'month' as const, count: 1 };

async function grantsOf(accountId: string) {
  return f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', accountId).orderBy('effective_at').execute();
}

async function outboxFor(grantId: string) {
  const rows = await f.deps.db.selectFrom('outbox_events').selectAll().orderBy('occurred_at').execute();
  return rows.filter((r) => (r.payload as { grantId?: string }).grantId === grantId).map((r) => [r.type, r.occurred_at.getTime()]);
}

describe('trials (HTTP + time-skipping Temporal + PostgreSQL)', () => {
  it('grants the trial credits once, and expires what is left at the trial end', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/trials`, { body: { trialId: 'default' } });
    expect(res.status, res.text).toBe(201);
    const endsAt = t0.getTime() + 14 * DAY;
    expect(res.body).toMatchObject({
      trialId: 'default',
      accountId: acct,
      status: 'running',
      endsAt: new Date(endsAt).toISOString(),
      subscriptionId: null,
    });
    const [grant, ...others] = await grantsOf(acct);
    expect(others).toEqual([]);
    expect(grant).toMatchObject({
      id: res.body!.grantId,
      source: 'trial',
      amount: 20_000n,
      priority: 10,
      external_ref: `trial:${acct}:default`,
    });
    expect(grant!.expires_at!.getTime()).toBe(endsAt);

    // Asked again (another request): the same trial, no second grant.
    const again = await call(api, 'POST', `/v1/accounts/${acct}/trials`, { body: { trialId: 'default' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ grantId: grant!.id, status: 'running' });

    await t.env.sleep(DAY);
    f.clock.set(new Date(t0.getTime() + DAY));
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '50' }, actor);
    await t.env.sleep(14 * DAY);

    const handle = t.env.client.workflow.getHandle(trialWorkflowId(acct, 'default'));
    expect(await handle.result()).toEqual<TrialState>({
      trialId: 'default',
      accountId: acct,
      grantId: grant!.id,
      endsAt: new Date(endsAt).toISOString(),
      status: 'expired',
      subscriptionId: null,
    });
    expect(await t.env.client.workflow.getHandle(grantExpiryWorkflowId(grant!.id)).result()).toEqual({
      outcome: 'expired',
      expired: '150.00',
    });
    const after = await grantsOf(acct);
    expect(after.map((g) => [g.source, g.status, g.remaining])).toEqual([['trial', 'expired', 0n]]);
    const expiry = await f.deps.db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('grant_id', '=', grant!.id)
      .where('entry_type', '=', 'expiry')
      .execute();
    expect(expiry.map((e) => [e.amount, e.created_at.getTime()])).toEqual([[15_000n, endsAt]]);
    expect(await outboxFor(grant!.id)).toEqual([
      ['grant.expiring', endsAt - 3 * DAY],
      ['grant.expired', endsAt],
    ]);
    const balance = (await getBalances(f.deps.db, acct, new Date(endsAt + DAY))).balances[0]!;
    expect(balance.available).toBe('0.00');
    expect((await call(api, 'GET', `/v1/accounts/${acct}/trials/default`)).body).toMatchObject({ status: 'expired' });
    await recordHistory(handle, 'trial-expire');
  });

  it('converts into the configured plan at the trial end: a subscription anchored there, listed on the account', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/trials`, { body: { trialId: 'team-trial', planVersion: '2026-01' } });
    expect(res.status, res.text).toBe(201);
    const endsAt = t0.getTime() + 14 * DAY;
    await t.env.sleep(15 * DAY);

    // Queries, not result(): awaiting a result lets the time-skipping server jump to the subscription's next timer.
    const handle = t.env.client.workflow.getHandle(trialWorkflowId(acct, 'team-trial'));
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const outcome = await handle.query(trialStateQuery);
    expect(outcome).toMatchObject({ status: 'converted', grantId: res.body!.grantId });
    const subscriptionId = outcome.subscriptionId!;
    const subscription = await t.env.client.workflow.getHandle(subscriptionWorkflowId(subscriptionId)).query(subscriptionStateQuery);
    expect(subscription).toMatchObject({
      accountId: acct,
      status: 'active',
      plan: { planId: 'team', version: '2026-01' },
      periodIndex: 0,
      periodStart: new Date(endsAt).toISOString(),
      periodEnd: new Date(periodBounds(endsAt, month, 0).end).toISOString(),
    });
    const grants = await grantsOf(acct);
    expect(grants.map((g) => [g.source, g.status, g.amount, g.effective_at.getTime()])).toEqual([
      ['trial', 'expired', 50_000n, t0.getTime()],
      ['plan', 'active', 500_000n, endsAt],
    ]);
    expect(grants[1]!.id).toBe(subscription.currentGrantId);

    const list = await call(api, 'GET', `/v1/accounts/${acct}/subscriptions`);
    expect(list.body!.data).toEqual([
      expect.objectContaining({
        id: subscriptionId,
        trialId: 'team-trial',
        startAt: new Date(endsAt).toISOString(),
        plan: { planId: 'team', version: '2026-01' },
      }),
    ]);
    const state = await call(api, 'GET', `/v1/accounts/${acct}/subscriptions/${subscriptionId}`);
    expect(state.body).toEqual(subscription);
    // Cancelling is covered on the real dev server (subscriptions-api.test.ts): here an Update
    // sent right after the time-skipping server has jumped can stall it.
    await recordHistory(handle, 'trial-convert');
  });

  it('refuses an unknown trial with a field error; readers cannot start one', async () => {
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/trials`, { body: { trialId: 'forever' } });
    expect(res.status).toBe(400);
    expect(res.body!.errors).toEqual([
      expect.objectContaining({ path: 'trialId', message: 'no trial forever in version 2026-12; there are: default, team-trial' }),
    ]);
    const customer = await api.key(['customer'], acct);
    expect((await call(api, 'POST', `/v1/accounts/${acct}/trials`, { key: customer, body: { trialId: 'default' } })).status).toBe(403);
    expect((await call(api, 'GET', `/v1/accounts/${acct}/trials/default`, { key: customer })).status).toBe(404);
    expect(await grantsOf(acct)).toEqual([]);
  });
});
