import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { subscriptionStateQuery, subscriptionWorkflowId } from '../../src/contracts/grants.js';
import { signupSubscriptionId, startSignupPlan } from '../../src/grants/subscription-service.js';
import { call } from '../helpers/api.js';
import { useLedgerFixture } from '../helpers/ledger.js';
import { useGrantsStack } from './paid-stack.js';

const f = useLedgerFixture();
const { api, t } = useGrantsStack(f, 'signup-plan', { SIGNUP_PLAN: 'free' });

const newId = () => `signup-${randomBytes(6).toString('hex')}`;
const grantsOf = (acct: string) => f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', acct).execute();
async function allotted(acct: string) {
  const handle = t.env.client.workflow.getHandle(subscriptionWorkflowId(signupSubscriptionId(acct)));
  for (let i = 0; i < 100 && (await handle.query(subscriptionStateQuery)).currentGrantId === null; i++) await t.env.sleep(100);
  return handle.query(subscriptionStateQuery);
}

describe('the free tier at sign-up (SIGNUP_PLAN; HTTP + time-skipping Temporal + PostgreSQL)', () => {
  it('POST /v1/accounts starts the free plan’s subscription once: 100 credits a month, no charge', async () => {
    await t.syncClock();
    const acct = newId();
    const body = { id: acct, name: 'New customer' };
    const res = await call(api, 'POST', '/v1/accounts', { body, idempotencyKey: `create-${acct}` });
    expect(res.status, res.text).toBe(201);
    const state = await allotted(acct);
    expect(state).toMatchObject({ status: 'active', plan: { planId: 'free', version: '2026-12' }, periodIndex: 0 });
    expect(state.payment).toBeUndefined();
    expect((await grantsOf(acct)).map((g) => [g.source, g.amount, g.cost_basis_minor, g.id])).toEqual([
      ['plan', 10_000n, null, state.currentGrantId],
    ]);
    const list = await call(api, 'GET', `/v1/accounts/${acct}/subscriptions`);
    expect(list.body!.data).toEqual([
      expect.objectContaining({ id: signupSubscriptionId(acct), plan: { planId: 'free', version: '2026-12' }, createdBy: 'system:signup' }),
    ]);

    // A replayed sign-up, and a second start (a retry after a failure), find the same subscription.
    const replay = await call(api, 'POST', '/v1/accounts', { body, idempotencyKey: `create-${acct}` });
    expect(replay.status).toBe(201);
    expect(await startSignupPlan(api.deps, acct)).toBe(signupSubscriptionId(acct));
    expect((await call(api, 'GET', `/v1/accounts/${acct}/subscriptions`)).body!.data).toHaveLength(1);
    expect(await grantsOf(acct)).toHaveLength(1);
    expect(await f.deps.db.selectFrom('purchases').selectAll().where('account_id', '=', acct).execute()).toEqual([]);
    await t.env.client.workflow.getHandle(subscriptionWorkflowId(signupSubscriptionId(acct))).terminate('test done');
  });

  it('a pool member gets no plan of its own; without SIGNUP_PLAN nothing starts', async () => {
    const parent = newId();
    expect((await call(api, 'POST', '/v1/accounts', { body: { id: parent, name: 'Team' } })).status).toBe(201);
    const seat = newId();
    expect((await call(api, 'POST', '/v1/accounts', { body: { id: seat, name: 'Seat', parentId: parent } })).status).toBe(201);
    expect((await call(api, 'GET', `/v1/accounts/${seat}/subscriptions`)).body!.data).toEqual([]);
    await t.env.client.workflow.getHandle(subscriptionWorkflowId(signupSubscriptionId(parent))).terminate('test done');

    const off = { ...api.deps, config: { ...api.deps.config, SIGNUP_PLAN: '' } };
    const acct = newId();
    await f.deps.db.insertInto('accounts').values({ id: acct, name: 'x', metadata: '{}', mode: 'live' }).execute();
    expect(await startSignupPlan(off, acct)).toBeNull();
    expect(await grantsOf(acct)).toEqual([]);
  });

  it('refuses a paid or unknown plan as SIGNUP_PLAN when the configuration loads; off by default', () => {
    expect(loadConfig({}).SIGNUP_PLAN).toBe('');
    expect(loadConfig({ SIGNUP_PLAN: 'free' }).SIGNUP_PLAN).toBe('free');
    expect(() => loadConfig({ SIGNUP_PLAN: 'starter' })).toThrow(/SIGNUP_PLAN/);
    expect(() => loadConfig({ SIGNUP_PLAN: 'nope' })).toThrow(/SIGNUP_PLAN/);
  });
});
