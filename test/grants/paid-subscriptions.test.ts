import { describe, expect, it } from 'vitest';
import {
  cancelSubscriptionUpdate,
  subscriptionStateQuery,
  subscriptionWorkflowId,
  type SubscriptionBilling,
} from '../../src/contracts/grants.js';
import { PlanCatalog } from '../../src/grants/plans.js';
import { parseRetryDelays } from '../../src/payments/module.js';
import { purchaseIdFrom } from '../../src/payments/purchases.js';
import { periodBounds } from '../../workflows/grants/periods.js';
import { call } from '../helpers/api.js';
import { newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory } from '../helpers/temporal.js';
import { usePaidGrantsStack } from './paid-stack.js';

const f = useLedgerFixture();
const stack = usePaidGrantsStack(f, 'paid-subscriptions', { RECHARGE_RETRY_DELAYS: '1h,4h,24h', SUBSCRIPTION_GRACE_DAYS: '3' });
const { api, t } = stack;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const month = { unit: 'month' as const, count: 1 };
const starter = PlanCatalog.load().plan('starter', '2026-12');
const billing: SubscriptionBilling = { retryDelaysMs: parseRetryDelays('1h,4h,24h'), graceMs: 3 * DAY };

function start(accountId: string, anchor: Date) {
  const subscriptionId = `sub_${accountId}`;
  return t.env.client.workflow.start('subscriptionWorkflow', {
    taskQueue: t.taskQueue,
    workflowId: subscriptionWorkflowId(subscriptionId),
    args: [{ subscriptionId, accountId, anchor: anchor.toISOString(), plan: starter, expiringNoticeMs: 7 * DAY, billing }],
  });
}

const purchasesOf = (acct: string) =>
  f.deps.db.selectFrom('purchases').selectAll().where('account_id', '=', acct).orderBy('created_at').execute();
const planGrants = (acct: string) =>
  f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', acct).where('source', '=', 'plan').orderBy('effective_at').execute();
const outbox = (acct: string) => f.deps.db.selectFrom('outbox_events').selectAll().where('account_id', '=', acct).execute();
const keysOf = (purchaseId: string) => stack.fake.chargeKeys.filter((k) => k.startsWith(`${purchaseId}/`));

/** The durations of the workflow's timers, from its history: the dunning schedule without measuring time. */
async function timerDurations(handle: ReturnType<typeof t.env.client.workflow.getHandle>): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000);
}

describe('paid subscriptions (time-skipping Temporal, Stripe fake, PostgreSQL)', () => {
  it('charges each period before its allotment, once, recorded as a purchase with the money as cost basis', async () => {
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const handle = await start(acct, t0);
    await t.env.sleep(DAY);
    const first = purchaseIdFrom('subscription', `sub_${acct}`, '0');
    const [grant] = await planGrants(acct);
    expect(await purchasesOf(acct)).toMatchObject([
      { id: first, origin: 'subscription', bundle_id: 'starter', catalog_version: '2026-12', amount_minor: 4500n, currency: 'USD' },
    ]);
    expect((await purchasesOf(acct))[0]).toMatchObject({ status: 'succeeded', grant_id: grant!.id, credits: 100_000n });
    expect(grant).toMatchObject({
      amount: 100_000n,
      cost_basis_minor: 4500n,
      cost_basis_currency: 'USD',
      external_ref: `plan:sub_${acct}:0`,
    });
    expect(grant!.effective_at.getTime()).toBe(t0.getTime());
    expect(keysOf(first)).toEqual([`${first}/0`]);
    expect((await handle.query(subscriptionStateQuery)).payment).toEqual({
      status: 'paid',
      purchaseId: first,
      amount: { amount: '45.00', currency: 'USD' },
      graceEndsAt: null,
    });

    // The next period: charged again (its own purchase), then its allotment.
    await t.env.sleep(periodBounds(t0.getTime(), month, 1).start - t0.getTime());
    const purchases = await purchasesOf(acct);
    expect(purchases.map((p) => [p.id, p.status])).toEqual([
      [first, 'succeeded'],
      [purchaseIdFrom('subscription', `sub_${acct}`, '1'), 'succeeded'],
    ]);
    expect((await planGrants(acct)).map((g) => g.cost_basis_minor)).toEqual([4500n, 4500n]);
    expect(stack.fake.charges.filter((c) => c.metadata.account_id === acct)).toHaveLength(2);
    await handle.executeUpdate(cancelSubscriptionUpdate, { args: [{ at: 'now', actor: 'test' }] });
    await recordHistory(handle, 'subscription-paid');
  });

  it('retries a declined charge within the grace, then pauses without an allotment and sends subscription.payment_failed', async () => {
    stack.fake.queue('decline', 'decline', 'decline', 'decline', 'decline');
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const handle = await start(acct, t0);
    await t.env.sleep(3 * DAY + HOUR);
    const purchaseId = purchaseIdFrom('subscription', `sub_${acct}`, '0');
    // Attempts at 0, 1 h, 5 h, 29 h (the recharge delays), and a last one when the 3-day grace ends.
    expect(keysOf(purchaseId)).toEqual([0, 1, 2, 3, 4].map((n) => `${purchaseId}/${n}`));
    // Then the wait for the period's end (the timers' seconds are whole, a little under the hour).
    expect((await timerDurations(handle)).slice(0, 4).map((ms) => Math.round(ms / HOUR))).toEqual([1, 4, 24, 43]);
    expect(await planGrants(acct)).toEqual([]);
    expect((await purchasesOf(acct)).map((p) => [p.status, p.failure_reason])).toEqual([['failed', 'payment_declined']]);
    const events = (await outbox(acct)).filter((e) => e.type === 'subscription.payment_failed');
    expect(events.map((e) => e.payload)).toEqual([
      {
        subscriptionId: `sub_${acct}`,
        purchaseId,
        planId: 'starter',
        planVersion: '2026-12',
        periodIndex: 0,
        amount: { amount: '45.00', currency: 'USD' },
        reason: 'payment_declined',
        attempts: 5,
        paused: true,
      },
    ]);
    const state = await handle.query(subscriptionStateQuery);
    expect(state).toMatchObject({ status: 'paused', currentGrantId: null, payment: { status: 'failed', purchaseId } });
    await recordHistory(handle, 'subscription-payment-failed');
    await handle.executeUpdate(cancelSubscriptionUpdate, { args: [{ at: 'now', actor: 'test' }] });
  });

  it('over HTTP: past due after a decline, paid on the retry an hour later, the allotment starting then', async () => {
    stack.fake.queue('decline', 'succeed');
    const t0 = await t.syncClock();
    const acct = await newAccount(f.deps);
    const res = await call(api, 'POST', `/v1/accounts/${acct}/subscriptions`, { body: { planId: 'starter' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      plan: { planId: 'starter', version: '2026-12' },
      currentGrantId: null,
      payment: {
        status: 'past_due',
        amount: { amount: '45.00', currency: 'USD' },
      },
    });
    // The grace runs from the first attempt (the workflow's instant, a moment after t0).
    const graceEnd = Date.parse(res.body!.payment.graceEndsAt) - t0.getTime();
    expect(graceEnd).toBeGreaterThanOrEqual(3 * DAY);
    expect(graceEnd).toBeLessThan(3 * DAY + 60_000);
    await t.env.sleep(2 * HOUR);
    const [grant] = await planGrants(acct);
    expect(grant).toMatchObject({ cost_basis_minor: 4500n });
    expect(Math.round((grant!.effective_at.getTime() - t0.getTime()) / 60_000)).toBe(60);
    const state = await call(api, 'GET', `/v1/accounts/${acct}/subscriptions/${res.body!.subscriptionId}`);
    expect(state.body).toMatchObject({ status: 'active', currentGrantId: grant!.id, payment: { status: 'paid' } });
    expect(stack.fake.charges.filter((c) => c.metadata.account_id === acct)).toHaveLength(1);
  });
});
