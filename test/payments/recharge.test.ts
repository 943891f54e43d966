import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { LedgerDeps } from '../../src/ledger/context.js';
import { deduct, issueGrant } from '../../src/ledger/index.js';
import type { PaymentsApiDeps } from '../../src/payments/deps.js';
import { saveRechargeSettings } from '../../src/payments/recharge-settings.js';
import { createRechargeObserver, dispatchDueRecharges, RechargeKicker, rechargeWorkflowId } from '../../src/payments/recharge-trigger.js';
import { rechargeStarter } from '../../src/payments/module.js';
import { createLogger } from '../../src/logger.js';
import { startStripeFake, type StripeFake } from '../fakes/stripe-fake.js';
import { call, useApi } from '../helpers/api.js';
import { actor, newAccount, useLedgerFixture } from '../helpers/ledger.js';
import { recordHistory, useTemporalWorker } from '../helpers/temporal.js';
import { paymentsDeps } from './fixture.js';

const f = useLedgerFixture();
let fake: StripeFake;
let payments: PaymentsApiDeps & Awaited<ReturnType<typeof paymentsDeps>>;
const kicker = new RechargeKicker();
/** The ledger as the API and worker see it: with the recharge trigger observer. */
let ledger: LedgerDeps;
const DELAYS = [1_000, 1_000];

beforeAll(async () => {
  fake = await startStripeFake();
  ledger = { ...f.deps, observers: [createRechargeObserver(kicker.kick)] };
  payments = await paymentsDeps(ledger, fake.url, {
    timeoutMs: 500,
    startRecharge: (a, c) => start(a, c),
    notifyRecharge: async () => {},
  });
});
afterAll(async () => {
  await fake?.close();
});

const t = useTemporalWorker(() => ({ ledger, payments }));
const api = useApi(f);
const start = (accountId: string, creditType: string) => rechargeStarter(t.client, t.taskQueue, DELAYS)(accountId, creditType);

beforeAll(() => {
  kicker.connect(f.deps.db, start, createLogger('silent', 'test'));
  payments.taskQueue = t.taskQueue;
  api.deps.payments = payments;
});

async function setUp(initial: string, settings: { threshold: string; bundleId: string; cap: string }) {
  const acct = await newAccount(f.deps);
  await issueGrant(ledger, { accountId: acct, creditType: 'ai', amount: initial, source: 'promo' }, actor);
  await saveRechargeSettings(payments, acct, {
    creditType: 'ai',
    enabled: true,
    threshold: settings.threshold,
    bundleId: settings.bundleId,
    quantity: 1,
    monthlyCap: { amount: settings.cap, currency: 'USD' },
  });
  return acct;
}

const rechargeGrants = (acct: string) =>
  f.deps.db.selectFrom('grants').selectAll().where('account_id', '=', acct).where('source', '=', 'purchase').execute();
const chargesFor = (acct: string) => fake.charges.filter((c) => c.metadata.account_id === acct);

describe('auto-recharge (real Temporal, real SDK against the Stripe fake)', () => {
  it('50 concurrent burns crossing the threshold make one recharge, and the monthly cap holds', async () => {
    // 1000 promo credits, threshold 900; recharges buy 100 credits for $5, cap $5 a month.
    const acct = await setUp('1000', { threshold: '900', bundleId: 'ai-100', cap: '5.00' });
    await Promise.all(Array.from({ length: 50 }, () => deduct(ledger, { accountId: acct, creditType: 'ai', amount: '5' }, actor)));
    await kicker.idle();
    // Runs of one workflow id are sequential: when the latest has finished, all have.
    const handle = t.client.workflow.getHandle(rechargeWorkflowId(acct, 'ai'));
    await handle.result();
    // The safety-net scanner finds the account still under its threshold (750 + 100 < 900): another run, stopped by the cap.
    expect(await dispatchDueRecharges(f.deps.db, start, f.deps.clock())).toBeGreaterThanOrEqual(1);
    expect(await handle.result()).toEqual({ rounds: [{ outcome: 'skipped', reason: 'cap_reached' }] });
    const purchases = await f.deps.db.selectFrom('purchases').selectAll().where('account_id', '=', acct).execute();
    expect(purchases).toEqual([expect.objectContaining({ origin: 'recharge', status: 'succeeded', amount_minor: 500n })]);
    expect(chargesFor(acct)).toHaveLength(1);
    const grants = await rechargeGrants(acct);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ external_ref: chargesFor(acct)[0]!.id, amount: 10000n, cost_basis_minor: 500n });
    const events = await f.deps.db.selectFrom('outbox_events').select('type').where('account_id', '=', acct).execute();
    expect(events.filter((e) => e.type === 'recharge.succeeded')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recharge.cap_reached')).toHaveLength(1);
    await recordHistory(handle, 'recharge-capped');
  });

  it('a worker that dies between the charge and the grant still ends with one charge and one grant', async () => {
    const acct = await setUp('100', { threshold: '500', bundleId: 'ai-1000', cap: '500.00' });
    const queue = `${t.taskQueue}-crash`;
    let charged!: () => void;
    const chargedOnce = new Promise<void>((resolve) => (charged = resolve));
    const real = createActivities({ ledger, payments });
    const dying = await Worker.create({
      connection: t.nativeConnection,
      taskQueue: queue,
      workflowBundle: t.bundle,
      activities: {
        ...real,
        fulfilPurchase: () => {
          charged();
          return Promise.reject(new Error('worker crashed before the grant'));
        },
      },
    });
    const dyingRun = dying.run();
    await rechargeStarter(t.client, queue, DELAYS)(acct, 'ai');
    await chargedOnce;
    dying.shutdown();
    await dyingRun;
    expect(chargesFor(acct)).toHaveLength(1);
    expect(await rechargeGrants(acct)).toHaveLength(0);

    const fresh = await Worker.create({ connection: t.nativeConnection, taskQueue: queue, workflowBundle: t.bundle, activities: real });
    const result = await fresh.runUntil(t.client.workflow.getHandle(rechargeWorkflowId(acct, 'ai')).result());
    expect(result.rounds[0]).toMatchObject({ outcome: 'succeeded' });
    expect(chargesFor(acct)).toHaveLength(1);
    expect(await rechargeGrants(acct)).toHaveLength(1);
  });

  it('a charge whose answer times out is retried with the same idempotency key: one charge', async () => {
    const acct = await setUp('100', { threshold: '500', bundleId: 'ai-1000', cap: '500.00' });
    fake.queue('timeout');
    await start(acct, 'ai');
    const result = await t.client.workflow.getHandle(rechargeWorkflowId(acct, 'ai')).result();
    expect(result.rounds[0]).toMatchObject({ outcome: 'succeeded', attempts: 1 });
    const keys = fake.chargeKeys.filter((k) => k.startsWith(rechargeWorkflowId(acct, 'ai')));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(chargesFor(acct)).toHaveLength(1);
    expect(await rechargeGrants(acct)).toHaveLength(1);
  });

  it('500s and 429s are retried with the same key until the charge lands once', async () => {
    const acct = await setUp('100', { threshold: '500', bundleId: 'ai-1000', cap: '500.00' });
    fake.queue('server_error', 'rate_limit');
    await start(acct, 'ai');
    const result = await t.client.workflow.getHandle(rechargeWorkflowId(acct, 'ai')).result();
    expect(result.rounds[0]).toMatchObject({ outcome: 'succeeded', attempts: 1 });
    expect(new Set(fake.chargeKeys.filter((k) => k.startsWith(rechargeWorkflowId(acct, 'ai')))).size).toBe(1);
    expect(chargesFor(acct)).toHaveLength(1);
  });
});

describe('purchase refund endpoint (one workflow, idempotent)', () => {
  it('voids the unburned credits, refunds their share of the money once, and answers repeats with the same result', async () => {
    const acct = await newAccount(f.deps);
    const bought = await call(api, 'POST', `/v1/accounts/${acct}/purchases`, {
      body: { bundleId: 'ai-1000', paymentMethodId: 'pm_card_visa' },
    });
    expect(bought.status, bought.text).toBe(201);
    expect(bought.body).toMatchObject({ status: 'succeeded', clientSecret: null });
    await deduct(ledger, { accountId: acct, creditType: 'ai', amount: '250' }, actor);

    const first = await call(api, 'POST', `/v1/purchases/${bought.body!.id}/refund`, { body: { reason: 'customer asked' } });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ voidedCredits: '750.00', refundedMinor: '3750', currency: 'USD' });
    const second = await call(api, 'POST', `/v1/purchases/${bought.body!.id}/refund`, { body: { reason: 'customer asked' } });
    expect(second.body).toMatchObject({ refundId: first.body!.refundId, voidedCredits: '750.00' });
    expect(fake.refunds.filter((r) => r.payment_intent === bought.body!.paymentIntentId)).toEqual([
      expect.objectContaining({ amount: 3750 }),
    ]);
    expect((await call(api, 'GET', `/v1/purchases/${bought.body!.id}`)).body).toMatchObject({
      status: 'partially_refunded',
      refunded: { amount: '37.50' },
    });
    await recordHistory(t.client.workflow.getHandle(`refund-${bought.body!.id}`), 'refund-purchase');
  });

  it('records the scanner workflow', async () => {
    const handle = await t.client.workflow.start('rechargeScannerWorkflow', {
      taskQueue: t.taskQueue,
      workflowId: `scan-${Date.now()}`,
      args: [],
    });
    expect(await handle.result()).toEqual({ signalled: expect.any(Number) });
    await recordHistory(handle, 'recharge-scanner');
  });
});
