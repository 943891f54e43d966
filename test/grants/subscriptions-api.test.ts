import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, useApi } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { subscriptionWorkflowId } from '../../src/contracts/grants.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';

const f = useLedgerFixture();
// The API starts subscription workflows on TEMPORAL_TASK_QUEUE: the queue of the worker under test.
const taskQueue = `subscriptions-api-${randomBytes(4).toString('hex')}`;
const api = useApi(f, { TEMPORAL_TASK_QUEUE: taskQueue, GRANT_APPROVAL_LIMITS: '{"support":"100","admin":"1000"}' });
const t = useTemporalWorker(() => ({ ledger: f.deps }), taskQueue);

beforeAll(() => {
  // Subscriptions run on the real dev server's clock: the ledger's must agree, or period 0 would be long over.
  f.clock.set(new Date());
});

/** The unpriced plans: this file tests the subscription lifecycle; charging is in paid-subscriptions.test.ts. */
const V = '2026-01';
const base = (acct: string) => `/v1/accounts/${acct}/subscriptions`;
const key = () => `k-${randomBytes(6).toString('hex')}`;
/** PATCH and DELETE are idempotent too; call() only adds the header to POSTs. */
const idem = () => ({ headers: { 'idempotency-key': key() } });

async function planGrants(acct: string) {
  return f.deps.db
    .selectFrom('grants')
    .selectAll()
    .where('account_id', '=', acct)
    .where('source', '=', 'plan')
    .orderBy('created_at')
    .execute();
}

async function subscribe(acct: string, body: Record<string, unknown> = { planId: 'team', planVersion: V }) {
  const res = await call(api, 'POST', base(acct), { body });
  expect(res.status, res.text).toBe(201);
  return res.body!;
}

describe('subscriptions over HTTP (real API, PostgreSQL and Temporal dev server)', () => {
  it('starts a subscription: 201 with its state and first allotment; the same Idempotency-Key names the same subscription', async () => {
    const acct = await newAccount(f.deps);
    const idempotencyKey = key();
    const res = await call(api, 'POST', base(acct), { body: { planId: 'team', planVersion: V }, idempotencyKey });
    expect(res.status, res.text).toBe(201);
    const state = res.body!;
    expect(state).toMatchObject({
      accountId: acct,
      status: 'active',
      plan: { planId: 'team', version: '2026-01' },
      pendingPlan: null,
      periodIndex: 0,
    });
    expect(res.headers.get('location')).toBe(`${base(acct)}/${state.subscriptionId}`);
    expect(state.upcoming.map((u: { periodIndex: number; amount: string }) => [u.periodIndex, u.amount])).toEqual([
      [1, '5000'],
      [2, '5000'],
      [3, '5000'],
    ]);
    const [grant, ...others] = await planGrants(acct);
    expect(others).toEqual([]);
    expect(grant).toMatchObject({ id: state.currentGrantId, amount: 500_000n, external_ref: `plan:${state.subscriptionId}:0` });
    expect(grant!.expires_at!.toISOString()).toBe(state.periodEnd);

    // The stored response replays; and if it was lost (the process died after the start), the handler
    // runs again and finds the same subscription and workflow: still one subscription, one allotment.
    const replay = await call(api, 'POST', base(acct), { body: { planId: 'team', planVersion: V }, idempotencyKey });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await f.deps.db.deleteFrom('idempotency_keys').where('key', '=', idempotencyKey).execute();
    const rerun = await call(api, 'POST', base(acct), { body: { planId: 'team', planVersion: V }, idempotencyKey });
    expect(rerun.status).toBe(201);
    expect(rerun.body).toMatchObject({ subscriptionId: state.subscriptionId, currentGrantId: state.currentGrantId });
    expect(await planGrants(acct)).toHaveLength(1);

    const list = await call(api, 'GET', base(acct));
    expect(list.body!.data).toEqual([
      expect.objectContaining({
        id: state.subscriptionId,
        plan: { planId: 'team', version: '2026-01' },
        trialId: null,
        createdBy: 'test-admin',
      }),
    ]);
    const one = await call(api, 'GET', `${base(acct)}/${state.subscriptionId}`);
    expect(one.body).toEqual(state);
    expect((await call(api, 'DELETE', `${base(acct)}/${state.subscriptionId}?at=now`, idem())).status).toBe(200);
    // Started, settled (the Update the API waits on) and cancelled over HTTP: replayed by test/workflows/replay.test.ts.
    const handle = t.client.workflow.getHandle(subscriptionWorkflowId(state.subscriptionId));
    expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    await recordHistory(handle, 'subscription-api');
  });

  it('refuses an unknown plan, version or a start in the past with field errors, and starts nothing', async () => {
    const acct = await newAccount(f.deps);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ planId: 'platinum', planVersion: V }, 'planId', /no plan platinum in version 2026-01; there are: enterprise, starter, team/],
      [{ planId: 'team', planVersion: '1999-01' }, 'planVersion', /no plan version 1999-01; versions: .*2026-01/],
      [{ planId: 'team', planVersion: V, startAt: '2020-01-01T00:00:00Z' }, 'startAt', /now or later/],
      [{ planId: 'team', planVersion: 'latest' }, 'planVersion', /plan version such as/],
      [{}, 'planId', /./],
    ];
    for (const [body, path, message] of cases) {
      const res = await call(api, 'POST', base(acct), { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body!.errors).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
    }
    expect((await call(api, 'POST', base('acct_nobody'), { body: { planId: 'team', planVersion: V } })).status).toBe(404);
    expect((await call(api, 'GET', base(acct))).body!.data).toEqual([]);
  });

  it('changes the plan next period or now, pauses and resumes through the workflow’s Updates', async () => {
    const acct = await newAccount(f.deps);
    const { subscriptionId } = await subscribe(acct, { planId: 'starter', planVersion: V });
    const url = `${base(acct)}/${subscriptionId}`;

    const next = await call(api, 'PATCH', url, { body: { planId: 'team', planVersion: V }, ...idem() });
    expect(next.status, next.text).toBe(200);
    expect(next.body).toMatchObject({ plan: { planId: 'starter' }, pendingPlan: { planId: 'team', version: '2026-01' } });
    expect(next.body!.upcoming.map((u: { amount: string }) => u.amount)).toEqual(['5000', '5000', '5000']);

    const now = await call(api, 'PATCH', url, { body: { planId: 'enterprise', planVersion: V, effective: 'now' }, ...idem() });
    expect(now.body).toMatchObject({ plan: { planId: 'enterprise' }, pendingPlan: null });
    // Prorated: (20,000 − 1,000) × the rest of the period, a little under 19,000.00.
    const prorated = (await planGrants(acct)).filter((g) => g.metadata.prorated === 'true');
    expect(prorated).toHaveLength(1);
    expect(prorated[0]!.amount > 1_890_000n && prorated[0]!.amount <= 1_900_000n).toBe(true);

    const paused = await call(api, 'PATCH', url, { body: { paused: true }, ...idem() });
    expect(paused.body).toMatchObject({ status: 'paused', upcoming: [] });
    const resumed = await call(api, 'PATCH', url, { body: { paused: false }, ...idem() });
    expect(resumed.body).toMatchObject({ status: 'active' });
    expect(resumed.body!.upcoming).toHaveLength(3);

    const both = await call(api, 'PATCH', url, { body: { planId: 'team', planVersion: V, paused: true }, ...idem() });
    expect(both.status).toBe(400);
    expect(both.body!.errors[0].path).toBe('planId');
    const unknown = await call(api, 'PATCH', url, { body: { planId: 'platinum', planVersion: V }, ...idem() });
    expect(unknown.status).toBe(400);
    expect(unknown.body!.errors[0].path).toBe('planId');
    const noKey = await call(api, 'PATCH', url, { body: { paused: true }, idempotencyKey: null });
    expect(noKey.status).toBe(400);
    expect(noKey.body!.code).toBe('idempotency_key_required');
    expect((await call(api, 'DELETE', `${url}?at=now`, idem())).status).toBe(200);
  });

  it('cancels at the period end or now; the workflow’s refusals come back as 409 problems', async () => {
    const acct = await newAccount(f.deps);
    const a = await subscribe(acct);
    const urlA = `${base(acct)}/${a.subscriptionId}`;
    const cancelling = await call(api, 'DELETE', urlA, { body: { at: 'period_end' }, ...idem() });
    expect(cancelling.status, cancelling.text).toBe(200);
    expect(cancelling.body).toMatchObject({ status: 'cancelling', upcoming: [] });
    // Refused by the Update validator of the running workflow.
    for (const [method, body] of [
      ['PATCH', { paused: true }],
      ['PATCH', { planId: 'starter', planVersion: V, effective: 'now' }],
      ['DELETE', { at: 'now' }],
    ] as const) {
      const refused = await call(api, method, urlA, { body, ...idem() });
      expect(refused.status, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({ code: 'subscription_closed', detail: 'The subscription is cancelling' });
    }

    const b = await subscribe(acct);
    const urlB = `${base(acct)}/${b.subscriptionId}`;
    const conflicting = await call(api, 'DELETE', `${urlB}?at=now`, { body: { at: 'period_end' }, ...idem() });
    expect(conflicting.status).toBe(400);
    const cancelled = await call(api, 'DELETE', `${urlB}?at=now`, idem());
    expect(cancelled.body).toMatchObject({ status: 'cancelled', upcoming: [] });
    // The finished workflow still answers its query; Updates to it are a 409 as well.
    expect((await call(api, 'GET', urlB)).body).toMatchObject({ status: 'cancelled', currentGrantId: b.currentGrantId });
    const again = await call(api, 'DELETE', `${urlB}?at=now`, idem());
    expect(again.status, again.text).toBe(409);
    expect(again.body!.code).toBe('subscription_closed');
    // The allotment keeps its expiry.
    expect((await planGrants(acct)).map((g) => g.status)).toEqual(['active', 'active']);
  });

  it('lets admin, support and service write; finance and the account’s own customer key read; nobody else sees it', async () => {
    const acct = await newAccount(f.deps);
    const other = await newAccount(f.deps);
    const keys = {
      support: await api.key(['support']),
      service: await api.key(['service']),
      finance: await api.key(['finance']),
      customer: await api.key(['customer'], acct),
      otherCustomer: await api.key(['customer'], other),
      boundService: await api.key(['service'], other),
    };
    const started = await call(api, 'POST', base(acct), { key: keys.support, body: { planId: 'starter', planVersion: V } });
    expect(started.status).toBe(201);
    const url = `${base(acct)}/${started.body!.subscriptionId}`;
    expect((await call(api, 'PATCH', url, { key: keys.service, body: { paused: true }, ...idem() })).status).toBe(200);
    for (const reader of [keys.finance, keys.customer]) {
      expect((await call(api, 'GET', url, { key: reader })).status).toBe(200);
      expect((await call(api, 'GET', base(acct), { key: reader })).body!.data).toHaveLength(1);
    }
    expect((await call(api, 'POST', base(acct), { key: keys.finance, body: { planId: 'starter', planVersion: V } })).status).toBe(403);
    expect((await call(api, 'PATCH', url, { key: keys.customer, body: { paused: false }, ...idem() })).status).toBe(403);
    expect((await call(api, 'DELETE', url, { key: keys.finance, ...idem() })).status).toBe(403);
    // Another account's keys: the subscription does not exist for them.
    expect((await call(api, 'GET', url, { key: keys.otherCustomer })).status).toBe(404);
    expect((await call(api, 'GET', base(acct), { key: keys.otherCustomer })).status).toBe(404);
    expect((await call(api, 'DELETE', url, { key: keys.boundService, ...idem() })).status).toBe(404);
    // Under the right account but the wrong id.
    expect((await call(api, 'GET', `${base(other)}/${started.body!.subscriptionId}`)).status).toBe(404);
    expect((await call(api, 'DELETE', `${url}?at=now`, { key: keys.service, ...idem() })).status).toBe(200);
  });
});

describe('the generic grant route and support keys', () => {
  it('refuses a support key above the support limit with a 403 pointing to support-grants; admin and service are not limited', async () => {
    const acct = await newAccount(f.deps);
    const support = await api.key(['support']);
    const grant = (amount: string) => ({ creditType: 'ai', amount, source: 'support' });
    const refused = await call(api, 'POST', `/v1/accounts/${acct}/grants`, { key: support, body: grant('100.01') });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body!.detail).toContain(`POST /v1/accounts/${acct}/support-grants`);
    expect(refused.body!.detail).toContain('at most 100.00 ai');
    expect((await call(api, 'POST', `/v1/accounts/${acct}/grants`, { key: support, body: grant('100') })).status).toBe(201);
    expect(
      (await call(api, 'POST', `/v1/accounts/${acct}/grants`, { key: await api.key(['support', 'service']), body: grant('5000') })).status,
    ).toBe(201);
    expect((await call(api, 'POST', `/v1/accounts/${acct}/grants`, { body: grant('5000') })).status).toBe(201);
    const grants = await f.deps.db.selectFrom('grants').select('amount').where('account_id', '=', acct).orderBy('amount').execute();
    expect(grants.map((g) => g.amount)).toEqual([10_000n, 500_000n, 500_000n]);
  });
});
