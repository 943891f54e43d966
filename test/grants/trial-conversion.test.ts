import { describe, expect, it } from 'vitest';
import { subscriptionWorkflowId, trialWorkflowId } from '../../src/contracts/grants.js';
import { signalMarkedGrantTimers } from '../../src/grants/timers.js';
import { deduct } from '../../src/ledger/index.js';
import { purchaseIdFrom } from '../../src/payments/purchases.js';
import { call } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { expectOutboxInCatalog } from '../helpers/notifications.js';
import { recordHistory } from '../helpers/temporal.js';
import { usePaidGrantsStack } from './paid-stack.js';

const f = useLedgerFixture();
const stack = usePaidGrantsStack(f, 'trial-conversion', { RECHARGE_RETRY_DELAYS: '1h', SUBSCRIPTION_GRACE_DAYS: '3' });
const { api, t, taskQueue } = stack;

const DAY = 86_400_000;
const grantsOf = (acct: string) =>
  f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', acct).orderBy('effective_at').orderBy('id').execute();
const eventsOf = (acct: string, type: string) =>
  f.deps.db.selectFrom('outbox_events').selectAll().where('account_id', '=', acct).where('type', '=', type).execute();
/** One run of what the outbox relay does with the ledger's timer marks. */
const relayMarks = () => signalMarkedGrantTimers({ db: f.deps.db, temporal: t.env.client, taskQueue, expiringNoticeMs: 3 * DAY }, 1000);

describe('trials: depleted early, converted early (HTTP + time-skipping Temporal + Stripe fake + PostgreSQL)', () => {
  it('trial.depleted when the trial credits run out before the end; converting now charges the plan, then allots it, and ends the trial', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const started = await call(api, 'POST', `/v1/accounts/${acct}/trials`, { body: { trialId: 'team-trial' } });
    expect(started.status, started.text).toBe(201);
    const trialGrantId = started.body!.grantId as string;

    // Half used: nothing yet. All used on day 2: trial.depleted, once.
    f.clock.set(new Date(t0.getTime() + DAY));
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '250' }, actor);
    await relayMarks();
    expect(await eventsOf(acct, 'trial.depleted')).toEqual([]);
    f.clock.set(new Date(t0.getTime() + 2 * DAY));
    await deduct(f.deps, { accountId: acct, creditType: 'ai', amount: '250' }, actor);
    await relayMarks();
    await relayMarks();
    const depleted = await eventsOf(acct, 'trial.depleted');
    expect(depleted.map((e) => e.payload)).toEqual([
      {
        trialId: 'team-trial',
        grantId: trialGrantId,
        creditType: 'ai',
        depletedAt: new Date(t0.getTime() + 2 * DAY).toISOString(),
        endsAt: new Date(t0.getTime() + 14 * DAY).toISOString(),
      },
    ]);
    await expectOutboxInCatalog(f.deps.db, acct);

    // Converted now, over HTTP: the team plan (199.00 USD) is charged, then its allotment issued.
    await t.env.sleep(2 * DAY);
    const convertedAt = await t.syncClock();
    const res = await call(api, 'POST', `/v1/accounts/${acct}/trials/team-trial/convert`, { body: {} });
    expect(res.status, res.text).toBe(200);
    const subscriptionId = res.body!.trial.subscriptionId as string;
    expect(res.body!.trial).toMatchObject({ status: 'converted', grantId: trialGrantId });
    const purchaseId = purchaseIdFrom('subscription', subscriptionId, '0');
    expect(res.body!.subscription).toMatchObject({
      subscriptionId,
      status: 'active',
      plan: { planId: 'team', version: '2026-12' },
      payment: { status: 'paid', purchaseId, amount: { amount: '199.00', currency: 'USD' } },
    });
    // The subscription starts at the conversion (the workflow's instant), not at the trial's end.
    expect(Date.parse(res.body!.subscription.periodStart) - convertedAt.getTime()).toBeLessThan(60_000);
    expect(Date.parse(res.body!.subscription.periodStart)).toBeLessThan(t0.getTime() + 14 * DAY);
    const grants = await grantsOf(acct);
    expect(grants.map((g) => [g.source, g.status, g.amount, g.remaining, g.cost_basis_minor])).toEqual([
      ['trial', 'voided', 50_000n, 0n, null],
      ['plan', 'active', 500_000n, 500_000n, 19_900n],
    ]);
    expect(grants[1]!.id).toBe(res.body!.subscription.currentGrantId);
    const purchase = await f.deps.db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirstOrThrow();
    expect(purchase).toMatchObject({ origin: 'subscription', status: 'succeeded', amount_minor: 19_900n, grant_id: grants[1]!.id });
    const list = await call(api, 'GET', `/v1/accounts/${acct}/subscriptions`);
    expect(list.body!.data).toEqual([expect.objectContaining({ id: subscriptionId, trialId: 'team-trial' })]);

    // Once: asking again is 409, and no second charge.
    const again = await call(api, 'POST', `/v1/accounts/${acct}/trials/team-trial/convert`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'trial_closed' });
    expect(stack.fake.charges.filter((c) => c.metadata.account_id === acct)).toHaveLength(1);
    await recordHistory(t.env.client.workflow.getHandle(trialWorkflowId(acct, 'team-trial')), 'trial-convert-early');
    await t.env.client.workflow.getHandle(subscriptionWorkflowId(subscriptionId)).terminate('test done');
  });

  it('a trial with credits left converts too (its credits voided); a trial that converts to nothing is 409, an unknown one 404', async () => {
    await t.syncClock();
    const acct = await newAccount(f.deps);
    expect((await call(api, 'POST', `/v1/accounts/${acct}/trials`, { body: { trialId: 'team-trial' } })).status).toBe(201);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/trials/team-trial/convert`, { body: {} });
    expect(res.status, res.text).toBe(200);
    const [trialGrant] = await grantsOf(acct);
    expect(trialGrant).toMatchObject({ source: 'trial', status: 'voided', remaining: 0n });
    const voided = await f.deps.db.selectFrom('balances').selectAll().where('account_id', '=', acct).executeTakeFirstOrThrow();
    expect(voided).toMatchObject({ voided: 50_000n, balance: 500_000n });
    expect(await eventsOf(acct, 'trial.depleted')).toEqual([]);
    await t.env.client.workflow.getHandle(subscriptionWorkflowId(res.body!.trial.subscriptionId)).terminate('test done');

    const other = await newAccount(f.deps);
    expect((await call(api, 'POST', `/v1/accounts/${other}/trials`, { body: { trialId: 'default' } })).status).toBe(201);
    const refused = await call(api, 'POST', `/v1/accounts/${other}/trials/default/convert`, { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'not_convertible' });
    expect((await call(api, 'POST', `/v1/accounts/${other}/trials/team-trial/convert`, { body: {} })).status).toBe(404);
    expect((await call(api, 'POST', `/v1/accounts/${other}/trials/default/convert`, { body: { now: true } })).status).toBe(400);
  });
});
